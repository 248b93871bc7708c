"""Fixtures of the hostile suite: a network that never leaves the machine, a fetcher
on it, and the hostile site as the internet would see it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from feeds.fetch.fetcher import Fetcher
from tests.support.hostile_site import SITE_HOST, HostileNetwork, HostileSite


@pytest.fixture
def net() -> HostileNetwork:
    return HostileNetwork()


@pytest.fixture
async def fetcher(net: HostileNetwork) -> AsyncIterator[Fetcher]:
    async with Fetcher(
        timeout=2.0, per_host_delay=0.0, resolver=net.resolve, network_backend=net.backend
    ) as f:
        yield f


@pytest.fixture
def public_site(net: HostileNetwork) -> Iterator[HostileSite]:
    """The hostile site as the internet sees it: http://congdoan-hostile.vn on a public address."""
    with HostileSite() as site:
        site.at(net.publish(SITE_HOST, site))
        yield site

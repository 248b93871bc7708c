"""The bot's own web pages, served by the scheduler holder when ``[web] listen`` is set.

Today: officers' calendar feeds (:mod:`.calendar_feed`).  Plain aiohttp, no
templates or build step; a reverse proxy in front provides TLS and the
``public_url`` that links in chat are built on.
"""

"""The bot's own web pages, served by the scheduler holder when ``[web] listen`` is set.

Officers' calendar feeds (:mod:`.calendar_feed`) and the operators' console
(:mod:`.console`: pages rendered from ``templates/`` by :mod:`.render`, OPML
in :mod:`.opml`).  Plain aiohttp and Jinja2, no build step, no JavaScript; a
reverse proxy in front provides TLS and the ``public_url`` that links in chat
are built on.
"""

"""The catalog explorer: ucsql in a web browser, served by ``ucsql serve`` under ``/explorer``.

Server-rendered pages (Jinja2 templates, escaped by default) with a stylesheet and a few lines
of JavaScript: no build step, nothing fetched from the network, and every page is plain HTML a
test can read. Each page asks the engine through the same system views and statements as SQL,
as the signed-in principal, so it shows exactly what that principal may see and does exactly
what they may do (refusals are the engine's, audited). The queries are in ``sql/explorer/``.
"""

from __future__ import annotations


def build():
    """The explorer's ASGI application (needs the ``server`` extra: Starlette and Jinja2)."""
    from .pages import build as build_pages
    return build_pages()

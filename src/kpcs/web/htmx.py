"""HTMX helpers: one URL serves a whole page or, for an HTMX request, just a fragment."""

from __future__ import annotations

from fastapi import Request


def is_htmx_partial(request: Request) -> bool:
    """True when HTMX asks for a fragment: not a boosted full-page navigation, and not the
    reload of a page whose snapshot fell out of HTMX's history cache (that request carries
    ``HX-Request`` too, and its answer replaces the whole body)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )

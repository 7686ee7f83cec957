"""HTMX helpers: one URL serves a whole page or, for an HTMX request, just a fragment."""

from __future__ import annotations

from fastapi import Request


def is_htmx_partial(request: Request) -> bool:
    """True when HTMX asks for a fragment (not a boosted full-page navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"

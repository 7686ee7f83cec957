"""What every action form does: run the use case, then show the page again, with the
refusal in plain words if there was one (post/redirect/get, so a reload repeats nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kpcs.errors import KPCSError
from kpcs.web.errors import status_for


async def act(action: Callable[[], Any], done: str, refused: str) -> Response:
    """Run ``action``; go to ``done``, or to ``refused`` with ``?error=`` saying why (a
    missing sign-in, a permission or an unknown record is raised as the 4xx it is)."""
    try:
        await run_in_threadpool(action)
    except KPCSError as exc:
        if status_for(exc) in (401, 403, 404):
            raise
        problems = getattr(exc, "problems", [])
        message = "; ".join(f"{p.field}: {p.message}" for p in problems) or exc.message
        path, _, anchor = refused.partition("#")
        join = "&" if "?" in path else "?"
        return RedirectResponse(
            f"{path}{join}error={quote(message)}" + (f"#{anchor}" if anchor else ""), status_code=303
        )
    return RedirectResponse(done, status_code=303)

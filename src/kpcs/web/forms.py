"""What every action form does: run the use case, then show the page again, with the
refusal in plain words if there was one (post/redirect/get, so a reload repeats nothing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kpcs.errors import FieldProblem, KPCSError
from kpcs.web import labels as field_labels
from kpcs.web.errors import status_for


async def act(
    action: Callable[[], Any],
    done: str,
    refused: str,
    *,
    labels: Mapping[str, str] = field_labels.CERTIFICATE_LABELS,
) -> Response:
    """Run ``action``; go to ``done``, or to ``refused`` with ``?error=`` saying why, each
    field named as the form labels it (a missing sign-in, a permission or an unknown record
    is raised as the 4xx it is)."""
    try:
        await run_in_threadpool(action)
    except ValidationError as exc:
        problems = [
            FieldProblem(field_labels.error_path(e), field_labels.plain_message(e)) for e in exc.errors()
        ]
        return _refused(refused, field_labels.sentence(problems, labels))
    except KPCSError as exc:
        if status_for(exc) in (401, 403, 404):
            raise
        problems = getattr(exc, "problems", [])
        return _refused(refused, field_labels.sentence(problems, labels) or exc.message)
    return RedirectResponse(done, status_code=303)


def _refused(refused: str, message: str) -> Response:
    path, _, anchor = refused.partition("#")
    join = "&" if "?" in path else "?"
    return RedirectResponse(
        f"{path}{join}error={quote(message)}" + (f"#{anchor}" if anchor else ""), status_code=303
    )

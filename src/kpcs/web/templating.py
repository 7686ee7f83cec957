"""Jinja2 templates, loaded from the package, with the helpers every page uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import Response

from kpcs import __version__
from kpcs.accounts.permissions import Action, Principal, can
from kpcs.certificates.hs_codes import CLASSIFICATION_DISPUTE, HS_CODES
from kpcs.workbench.domain import CHOICES

_env = Environment(
    loader=PackageLoader("kpcs.web", "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _label(value: object) -> str:
    """Enum values as words a clerk reads: ``vice_chair`` -> ``vice chair``."""
    text = getattr(value, "value", value)
    return str(text).replace("_", " ")


def _icon(name: str) -> Markup:
    """An icon from the vendored lucide sprite (decorative: hidden from screen readers)."""
    return Markup(
        '<svg class="icon" aria-hidden="true"><use href="/static/vendor/lucide-sprite.svg#{}"></use></svg>'
    ).format(name)


def _cite(citations: list[str]) -> Markup:
    """Citations ``"<source id> <locator>"`` as links to the sources page."""
    parts = []
    for citation in citations:
        source_id, _, locator = citation.partition(" ")
        parts.append(
            Markup('<a href="/sources#{}">{}</a>{}').format(
                source_id, source_id, f" {locator}" if locator else ""
            )
        )
    return Markup("; ").join(parts)


_env.filters["date"] = _fmt_date
_env.filters["cite"] = _cite
_env.globals["icon"] = _icon
_env.filters["label"] = _label
_env.globals["version"] = __version__
_env.globals["Action"] = Action
# What each HS code covers, for the guidance where codes are entered (certificates/_hs_guidance.html).
_env.globals["hs_guide"] = HS_CODES
_env.globals["hs_dispute"] = CLASSIFICATION_DISPUTE
# The two conclusions of an expert finding, in words, per kind of warning (workbench/_finding.html).
_env.globals["finding_choices"] = {
    k.value: {c.value: text for c, text in v.items()} for k, v in CHOICES.items()
}
templates = Jinja2Templates(env=_env)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal,
    status_code: int = 200,
) -> Response:
    """Render ``template`` with the caller's identity, CSRF token and permission helper."""
    web_session = getattr(request.state, "web_session", None)
    values: dict[str, Any] = {
        "principal": principal,
        "csrf_token": web_session.csrf_token if web_session else "",
        "full_name": web_session.full_name if web_session else None,
        "can": lambda action, participant=None: can(principal, action, participant=participant),
    }
    values.update(context or {})
    return templates.TemplateResponse(request, template, values, status_code=status_code)

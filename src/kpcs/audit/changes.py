"""What an audit event changed, key by key, for people to read (pure: no ORM, no web).

An event stores whole snapshots (``before`` and ``after``); a reader wants the difference:
``status: active → restricted``, and not the twelve keys that stayed the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldChange:
    """One key of a snapshot that differs, as text; ``None`` where the side lacks the key."""

    key: str
    before: str | None
    after: str | None


def as_text(value: Any) -> str:
    """A snapshot value as a reader sees it: strings bare, everything else as compact JSON
    (non-ASCII letters kept, so ``Berbérati`` reads as itself)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def describe_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldChange]:
    """The keys whose values differ between the snapshots, and those on one side only.

    Keys come in the order of ``after`` (how the service wrote them), then the keys that
    only ``before`` had. An event with no snapshot on either side changed nothing visible.
    """
    old, new = before or {}, after or {}
    keys = [*new, *(k for k in old if k not in new)]
    return [
        FieldChange(
            key=key,
            before=as_text(old[key]) if key in old else None,
            after=as_text(new[key]) if key in new else None,
        )
        for key in keys
        if key not in old or key not in new or old[key] != new[key]
    ]


def full_json(snapshot: Mapping[str, Any] | None) -> str:
    """A snapshot as indented JSON, for whoever wants every key."""
    return json.dumps(snapshot, ensure_ascii=False, indent=2)

"""Reading the audit log without a database: what a change shows, what a filter means."""

from __future__ import annotations

from datetime import date

import pytest

from kpcs.audit.changes import FieldChange, describe_changes
from kpcs.audit.services import AuditFilter
from kpcs.audit.tags import known_tags
from kpcs.errors import InvalidInput


def test_only_what_differs_is_shown() -> None:
    before = {"status": "active", "effective_on": "2024-11-15", "zones": [], "reason": "same"}
    after = {"status": "restricted", "effective_on": "2024-11-15", "zones": ["Berbérati"], "reason": "same"}
    assert describe_changes(before, after) == [
        FieldChange("status", "active", "restricted"),
        FieldChange("zones", "[]", '["Berbérati"]'),
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, {"role": "admin"}, [FieldChange("role", None, "admin")]),  # created
        ({"role": "admin"}, None, [FieldChange("role", "admin", None)]),  # removed
        ({"a": 1}, {"b": None}, [FieldChange("b", None, "null"), FieldChange("a", "1", None)]),
        ({"n": 1}, {"n": 1.5}, [FieldChange("n", "1", "1.5")]),
        ({"same": {"x": [1]}}, {"same": {"x": [1]}}, []),
        (None, None, []),
    ],
)
def test_keys_on_one_side_only(
    before: dict[str, object] | None, after: dict[str, object] | None, expected: list[FieldChange]
) -> None:
    assert describe_changes(before, after) == expected


def test_filter_parses_what_a_form_sends() -> None:
    parsed = AuditFilter.parse(
        actor=" user:admin ", tag="", object_id=None, since="2024-06-01", until="2024-06-30"
    )
    assert parsed == AuditFilter(actor="user:admin", since=date(2024, 6, 1), until=date(2024, 6, 30))
    assert parsed.as_query() == {"actor": "user:admin", "since": "2024-06-01", "until": "2024-06-30"}
    assert AuditFilter.parse(since="2024-06-30", until="2024-06-30").since == date(2024, 6, 30)


def test_filter_names_every_bad_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        AuditFilter.parse(since="2024-13-01", until="tomorrow")
    assert [p.field for p in caught.value.problems] == ["since", "until"]
    assert "YYYY-MM-DD" in caught.value.message
    with pytest.raises(InvalidInput, match="until: 2024-06-01 is before since"):
        AuditFilter.parse(since="2024-07-01", until="2024-06-01")


def test_known_tags_come_with_their_families() -> None:
    tags = known_tags()
    assert "certificate:issued" in tags and "participant:status:changed" in tags
    assert tags.index("account:") < tags.index("account:user:") < tags.index("account:user:created")
    assert "known_tags" not in tags and len(tags) == len(set(tags))

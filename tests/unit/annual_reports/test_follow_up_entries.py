"""What a report may say of its participant's recommendations: each open one named once,
with a follow-up state and a note; anything else refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.annual_reports.domain import follow_up_entries
from kpcs.errors import InvalidInput
from kpcs.reviews.domain import FollowUp

OPEN = frozenset({3, 5, 8})
ENTRY = st.fixed_dictionaries(
    {
        "recommendation": st.sampled_from([3, 5, 8, 4, 99]),
        "follow_up": st.sampled_from([*(f.value for f in FollowUp), "done", ""]),
        "note": st.sampled_from(["Done in May.", "", "  "]),
    }
)


@given(st.lists(ENTRY, max_size=5))
def test_entries_are_kept_only_when_each_is_valid(given_entries: list[dict[str, Any]]) -> None:
    ids = [e["recommendation"] for e in given_entries]
    valid = (
        all(e["recommendation"] in OPEN for e in given_entries)
        and len(set(ids)) == len(ids)
        and all(e["follow_up"] in {f.value for f in FollowUp} for e in given_entries)
        and all(e["note"].strip() for e in given_entries)
    )
    if valid:
        assert follow_up_entries(given_entries, OPEN, "BW") == given_entries
    else:
        with pytest.raises(InvalidInput) as refused:
            follow_up_entries(given_entries, OPEN, "BW")
        assert all(p.field.startswith("follow_ups[") for p in refused.value.problems)


def test_another_participants_recommendation_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        follow_up_entries([{"recommendation": 4, "follow_up": "implemented", "note": "x"}], OPEN, "BW")
    assert [p.field for p in refused.value.problems] == ["follow_ups[0].recommendation"]
    assert "not an open recommendation of BW" in refused.value.problems[0].message

"""The matching of technical assistance needs to offers, as a property: a need and an offer
match if and only if both are open, they come from different participants, their topics are
the same, and the offer is given in the need's region or worldwide; each match says why.
And the course an entry runs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.assistance.domain import (
    Entry,
    EntryKind,
    Region,
    Status,
    Topic,
    fit_reason,
    match_reason,
    matches,
    refuse_move,
)

PARTICIPANTS = ["SL", "GN", "ZA", "DDI"]


def _entries(kind: EntryKind) -> st.SearchStrategy[Entry]:
    return st.builds(
        Entry,
        id=st.integers(min_value=1, max_value=10_000),
        kind=st.just(kind),
        participant=st.sampled_from(PARTICIPANTS),
        topic=st.sampled_from(list(Topic)),
        region=st.sampled_from(list(Region)),
        status=st.sampled_from(list(Status)),
    )


def _agree(need: Entry, offer: Entry) -> bool:
    """The rule, written out independently of the code under test."""
    return (
        need.status == "open"
        and offer.status == "open"
        and need.participant != offer.participant
        and need.topic == offer.topic
        and (offer.region == need.region or offer.region == "worldwide")
    )


@given(_entries(EntryKind.NEED), _entries(EntryKind.OFFER))
def test_a_need_matches_an_offer_iff_topic_and_region_agree(need: Entry, offer: Entry) -> None:
    reason = match_reason(need, offer)
    assert (reason is not None) is _agree(need, offer)
    if reason is not None:
        assert need.topic.value in reason or "same topic" in reason
        assert need.region.value in reason
        assert ("worldwide" in reason) is (offer.region is not need.region)
    # kinds swapped never match: a need is not an offer
    assert match_reason(offer, need) is None
    # a fit ignores the statuses only
    assert (fit_reason(need, offer) is not None) is _agree(
        Entry(need.id, need.kind, need.participant, need.topic, need.region, Status.OPEN),
        Entry(offer.id, offer.kind, offer.participant, offer.topic, offer.region, Status.OPEN),
    )


@given(
    st.lists(_entries(EntryKind.NEED), max_size=6, unique_by=lambda e: e.id),
    st.lists(_entries(EntryKind.OFFER), max_size=6, unique_by=lambda e: e.id),
)
def test_matches_lists_exactly_the_agreeing_pairs(needs: list[Entry], offers: list[Entry]) -> None:
    found = matches([*needs, *offers])
    expected = [(n.id, o.id) for n in needs for o in offers if _agree(n, o)]
    assert [(m.need, m.offer) for m in found] == expected
    assert all(m.reason for m in found)


def test_a_regional_offer_does_not_cover_a_worldwide_need() -> None:
    need = Entry(1, EntryKind.NEED, "SL", Topic.STATISTICS, Region.WORLDWIDE, Status.OPEN)
    regional = Entry(2, EntryKind.OFFER, "ZA", Topic.STATISTICS, Region.WEST_AFRICA, Status.OPEN)
    worldwide = Entry(3, EntryKind.OFFER, "ZA", Topic.STATISTICS, Region.WORLDWIDE, Status.OPEN)
    assert match_reason(need, regional) is None
    assert (
        match_reason(need, worldwide)
        == "same topic (statistics and data management) and same region (worldwide)"
    )


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (Status.OPEN, Status.MATCHED, True),
        (Status.OPEN, Status.CLOSED, True),
        (Status.OPEN, Status.IN_PROGRESS, False),
        (Status.MATCHED, Status.OPEN, True),
        (Status.MATCHED, Status.IN_PROGRESS, True),
        (Status.IN_PROGRESS, Status.CLOSED, True),
        (Status.IN_PROGRESS, Status.OPEN, False),
        (Status.CLOSED, Status.OPEN, False),
        (Status.OPEN, Status.OPEN, False),
    ],
)
def test_the_course_an_entry_runs(current: Status, new: Status, allowed: bool) -> None:
    refusal = refuse_move(current, new)
    assert (refusal is None) is allowed
    if current is Status.CLOSED:
        assert refusal == "the entry is closed"

"""The certificate reconciliation against a plain reading of its rules, over any set of
certificates, confirmations and reported imports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcs.statistics.analysis.reconcile import CERTIFICATE_SCHEMA, REPORTED_SCHEMA, Tolerances, reconcile

YEAR, TODAY = 2024, date(2025, 1, 31)
CODES = ("BW", "EU", "IN", "AE")


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@st.composite
def certificates(draw: st.DrawFn) -> list[tuple[object, ...]]:
    rows = []
    for n in range(draw(st.integers(0, 25))):
        exporter, importer = draw(st.permutations(CODES))[:2]
        issued = date(2023, 11, 1) + timedelta(days=draw(st.integers(0, 450)))
        carats = draw(st.integers(1, 10_000)) / 4
        value = draw(st.integers(1, 10_000_000)) / 4
        received = carats_received = value_received = None
        if draw(st.booleans()):
            received = issued + timedelta(days=draw(st.integers(0, 80)))
            if received > TODAY:
                received = None
            elif draw(st.booleans()):
                carats_received = carats - draw(st.sampled_from([0, 0.5, 10]))
                value_received = value + draw(st.sampled_from([0, 0.25, 1000]))
        rows.append(
            (f"C{n}", exporter, importer, issued, carats, value, received, carats_received, value_received)
        )
    return rows


reported_rows = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.sampled_from(CODES),
        st.sampled_from([f"{YEAR}-Q{q}" for q in range(1, 5)] + [f"{YEAR - 1}-Q4"]),
        st.integers(0, 40_000).map(lambda c: c / 4),
        st.integers(0, 40_000_000).map(lambda v: v / 4),
        st.integers(0, 9),
    ).filter(lambda r: r[0] != r[1]),
    max_size=8,
    unique_by=lambda r: r[:3],
)


@settings(max_examples=60, deadline=None)
@given(certificates(), reported_rows)
def test_reconciliation_follows_its_rules(
    rows: list[tuple[object, ...]], reported: list[tuple[object, ...]]
) -> None:
    frame = pl.DataFrame(rows, schema=list(CERTIFICATE_SCHEMA.items()), orient="row")
    stated = pl.DataFrame(reported, schema=list(REPORTED_SCHEMA.items()), orient="row")
    t = Tolerances()
    pairs, details = reconcile(frame, stated, YEAR, TODAY, t)

    issued: dict[tuple[str, str, str], list[tuple[object, ...]]] = defaultdict(list)
    received: dict[tuple[str, str, str], float] = defaultdict(float)
    expected_details = set()
    for row in rows:
        number, exporter, importer, day, carats, value, got, got_carats, got_value = row
        assert isinstance(day, date) and isinstance(carats, float) and isinstance(value, float)
        if day.year == YEAR:
            issued[(str(exporter), str(importer), _quarter(day))].append(row)
            if got is None and (TODAY - day).days >= t.confirm_days:
                expected_details.add((number, "unconfirmed"))
            elif got is not None and (
                (got_carats is not None and got_carats != carats)
                or (got_value is not None and got_value != value)
            ):
                expected_details.add((number, "differs"))
        if isinstance(got, date) and got.year == YEAR:
            # A confirmation of 0 carats received is a figure, not a missing one.
            received[(str(exporter), str(importer), _quarter(got))] += float(
                carats if got_carats is None else got_carats  # type: ignore[arg-type]
            )
    in_kpcs = {k[0] for k in issued} | {k[0] for k in received}

    assert set(zip(details["number"], details["finding"], strict=True)) == expected_details
    by_key = {(p["exporter"], p["importer"], p["period"]): p for p in pairs.to_dicts()}
    for key, certs in issued.items():
        p = by_key[key]
        assert p["issued"] == len(certs)
        assert p["confirmed"] + p["unconfirmed"] + p["awaiting"] == p["issued"]
        assert p["confirmed"] == sum(c[6] is not None for c in certs)
    for key, carats in received.items():
        assert abs(by_key[key]["received_carats"] - carats) < 0.01
    for importer, exporter, period, carats, _value, _n in reported:
        key = (str(exporter), str(importer), str(period))
        if exporter not in in_kpcs or not str(period).startswith(str(YEAR)):
            assert key not in by_key or by_key[key]["reported_carats"] is None
            continue
        gap = float(carats) - received.get(key, 0.0)  # type: ignore[arg-type]
        flagged = gap > max(t.unmatched_floor, t.unmatched_share * float(carats))  # type: ignore[arg-type]
        assert (by_key[key]["unmatched_carats"] > 0) == flagged
        if flagged:
            assert abs(by_key[key]["unmatched_carats"] - gap) < 0.01
    assert pairs["findings"].sum() == len(details) + sum(
        1 for p in pairs.to_dicts() if p["unmatched_carats"] > 0 or p["unmatched_value_usd"] > 0
    )

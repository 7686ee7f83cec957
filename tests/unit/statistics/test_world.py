"""The world figures of a year against a plain reading of the rule: the sum of every
producer's row where the year lists them all (an OTHERS row), else the published world
total, else the sum of the producers listed, marked partial; over any rows and totals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kpcs.statistics.public.world import (
    MEASURES,
    OTHERS,
    PRODUCTION,
    ListedProduction,
    PublishedTotal,
    partial_label,
    world_year,
)

CODES = ("BW", "RU", "CA", "AO", "ZA", "CD", "NA", "LS")
amounts = st.one_of(st.none(), st.integers(0, 50_000_000).map(float))


@st.composite
def listings(draw: st.DrawFn) -> list[ListedProduction]:
    codes = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=len(CODES)))
    if draw(st.booleans()):
        codes.append(OTHERS)
    return [ListedProduction(code, draw(amounts), draw(amounts), f"https://source/{code}") for code in codes]


@st.composite
def totals(draw: st.DrawFn) -> PublishedTotal | None:
    if draw(st.booleans()):
        return None
    others = draw(st.lists(st.sampled_from(PRODUCTION), max_size=2))
    return PublishedTotal(
        year=2020,
        figures={m: draw(amounts) for m in MEASURES},
        source="https://world/total",
        disagreements=[{"measure": m, "value": 1.0, "source": "another", "note": None} for m in others],
    )


trades = st.fixed_dictionaries({m: amounts for m in ("export_carats", "import_value_usd")})


@given(listings(), totals(), trades)
def test_every_figure_is_what_its_basis_says(
    listed: list[ListedProduction], published: PublishedTotal | None, trade: dict[str, float | None]
) -> None:
    row = world_year(2020, listed, trade, published)
    complete = any(p.participant == OTHERS for p in listed)
    producers = [p for p in listed if p.participant != OTHERS]
    assert row["partial"] is not complete
    assert row["producers_listed"] == row["producers"] == len(producers)
    assert row["producers_expected"] >= max(22, len(producers))
    assert (partial_label(row) is None) is complete
    if not complete:
        assert (
            partial_label(row)
            == f"partial: {len(producers)} of ~{row['producers_expected']} producers listed"
        )
    for measure, attribute in zip(PRODUCTION, ("carats", "value_usd"), strict=True):
        values = [getattr(p, attribute) for p in listed]
        known = [v for v in values if v is not None]
        total = published.figures.get(measure) if published else None
        assert row["listed_" + measure] == (sum(known) if known else None)
        if complete and values and None not in values:
            assert row["basis"][measure] == "participants" and row[measure] == sum(known)
            assert row["source"][measure] == [p.source for p in listed]
            # The published world total differs from the sum used: named as another figure.
            named = any(
                (d["measure"], d["used"], d["value"], d["source"])
                == (measure, row[measure], total, "https://world/total")
                for d in row["disagreements"]
            )
            assert named is (total is not None and total != row[measure])
        elif total is not None:
            assert row["basis"][measure] == "published_total" and row[measure] == total
            assert row["source"][measure] == ["https://world/total"]
        elif known:
            assert row["basis"][measure] == "listed" and row[measure] == sum(known)
        else:
            assert row["basis"][measure] is None and row[measure] is None
    for measure in ("export_carats", "import_value_usd"):
        total = published.figures.get(measure) if published else None
        expected = total if total is not None else trade[measure]
        assert row[measure] == expected
    # Every other source's figure is named, beside the figure used.
    for other in published.disagreements if published else ():
        assert any(
            d["source"] == "another"
            and d["measure"] == other["measure"]
            and d["used"] == row[other["measure"]]
            for d in row["disagreements"]
        )
    # $/carat never divides a world figure by a partial sum.
    bases = {row["basis"]["production_carats"], row["basis"]["production_value_usd"]}
    if ("listed" in bases and len(bases) > 1) or None in bases:
        assert row["production_usd_per_carat"] is None
    elif bases <= {"participants", "published_total"} and row["production_carats"]:
        assert row["production_usd_per_carat"] == round(
            row["production_value_usd"] / row["production_carats"], 2
        )


def test_a_complete_year_is_the_sum_and_names_the_published_total_where_it_differs() -> None:
    listed = [
        ListedProduction("BW", 24_510_000.0, 4_700_000_000.0, "https://a ; https://b"),
        ListedProduction(OTHERS, 728_000.0, 102_000_000.0, "https://a"),
    ]
    published = PublishedTotal(
        2022, {"production_carats": 25_239_000.0, "production_value_usd": 4_802_000_000.0}, "https://t"
    )
    row = world_year(2022, listed, {}, published)
    assert row["production_carats"] == 25_238_000 and row["basis"]["production_carats"] == "participants"
    assert row["source"]["production_carats"] == ["https://a", "https://b"]
    assert row["disagreements"] == [
        {
            "measure": "production_carats",
            "used": 25_238_000.0,
            "value": 25_239_000.0,
            "source": "https://t",
            "note": "published world total; the figure used is the sum of the participants' rows",
        }
    ]
    assert row["production_usd_per_carat"] == round(4_802_000_000 / 25_238_000, 2)

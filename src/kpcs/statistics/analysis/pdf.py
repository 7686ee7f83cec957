"""The annual statistical country analysis as a printable PDF: headline table, charts,
partners with their mirror figures, certificates, anomalies and the questionnaire.

Pure rendering: a :class:`CountryAnalysis` and its charts (PNG) in, PDF bytes out.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PIL import Image

from kpcs.statistics.analysis.charts import CHARTS
from kpcs.statistics.analysis.country import CountryAnalysis
from kpcs.statistics.report_pdf import MUTED, ReportPDF, long_date, render


def _n(value: Any, decimals: int = 0) -> str:
    return "—" if value is None else f"{value:,.{decimals}f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:+,.1f} %"


def _headline_row(h: dict[str, Any]) -> list[str]:
    decimals = 2 if "/" in h["measure"] else 0
    return [
        h["flow"],
        h["measure"],
        _n(h["year"], decimals),
        _n(h["previous"], decimals),
        _pct(h["change_percent"]),
    ]


def _partner_row(r: dict[str, Any]) -> list[str]:
    return [
        f"{r['name']} ({r['partner']})",
        _n(r["carats"]),
        _n(r["value_usd"]),
        _n(r["usd_per_carat"], 2),
        "—" if r["share_percent"] is None else f"{r['share_percent']:.1f} %",
        _n(r["mirror_carats"]),
        _n(r["mirror_value_usd"]),
        _n(r["di_carats"], 2),
        _n(r["di_value"], 2),
    ]


def _certificate_row(r: dict[str, Any]) -> list[str]:
    return [str(r["year"])] + [
        _n(r[f"{flow}_{measure}"], decimals)
        for flow in ("export", "import")
        for measure, decimals in (
            ("certificates", 0),
            ("carats_per_certificate", 1),
            ("usd_per_certificate", 0),
        )
    ]


def render_analysis_pdf(analysis: CountryAnalysis, charts: dict[str, bytes], made_on: date) -> bytes:
    """``analysis`` with ``charts`` (name → PNG, as :func:`analysis_charts.draw_all` makes
    them) as an A4 PDF dated ``made_on``."""
    a = analysis
    title = f"Annual statistical analysis {a.year}: {a.name} ({a.participant})"

    def chart(pdf: ReportPDF, name: str) -> None:
        width = pdf.w - pdf.l_margin - pdf.r_margin
        with Image.open(io.BytesIO(charts[name])) as image:
            height = width * image.height / image.width
        # The caption and its chart on one page.
        if pdf.will_page_break(height + 10):
            pdf.add_page()
        pdf.heading(CHARTS[name][0], size=10)
        pdf.image(io.BytesIO(charts[name]), x=pdf.l_margin, w=width)
        pdf.ln(2)

    def build(pdf: ReportPDF) -> None:
        pdf.title_block(
            "Kimberley Process · Working Group on Statistics",
            f"Annual statistical analysis of {a.name} ({a.participant}) for {a.year} · "
            f"prepared {long_date(made_on)}",
        )
        for note in a.notes:
            pdf.paragraph(note, size=8.5, colour=MUTED)
        pdf.heading("Headline figures")
        pdf.data_table(
            ["", "Measure", str(a.year), str(a.year - 1), "Change"],
            [_headline_row(h) for h in a.headline if h["year"] is not None or h["previous"] is not None],
            [30, 30, 45, 45, 30],
            numeric=[False, False, True, True, True],
        )
        chart(pdf, "trade")
        chart(pdf, "unit-values")
        chart(pdf, "balance")
        pdf.heading("Main partners")
        for flow, words in (("export", "Exports to"), ("import", "Imports from")):
            rows = a.partners.get(flow, [])
            pdf.paragraph(
                f"{words} ({len(rows)} main partners); mirror: what the partner reported for the same trade.",
                size=8.5,
                colour=MUTED,
            )
            pdf.data_table(
                ["Partner", "Carats", "US$", "US$/ct", "Share", "Mirror ct", "Mirror US$", "DI ct", "DI US$"],
                [_partner_row(r) for r in rows] or [["none reported", "", "", "", "", "", "", "", ""]],
                [38, 19, 23, 15, 14, 19, 23, 14, 15],
                numeric=[False, True, True, True, True, True, True, True, True],
                size=7.5,
            )
        chart(pdf, "partners")
        chart(pdf, "mirror")
        pdf.heading("Certificates")
        pdf.data_table(
            ["Year", "Exported", "ct / cert.", "US$ / cert.", "Imported", "ct / cert.", "US$ / cert."],
            [_certificate_row(r) for r in a.certificates],
            [18, 24, 26, 30, 24, 26, 32],
            numeric=[False, True, True, True, True, True, True],
        )
        pdf.heading(f"Anomalies found in {a.year} ({len(a.anomalies)})")
        if a.anomalies:
            pdf.data_table(
                ["Type", "Partner", "Period", "Severity", "What to check"],
                [
                    [
                        x["type"].replace("_", " "),
                        x["partner"] or "",
                        x["period"] or "",
                        x["severity"],
                        x["explanation"],
                    ]
                    for x in a.anomalies
                ],
                [26, 14, 16, 16, 108],
                size=7.5,
            )
        else:
            pdf.paragraph("No anomaly was found in the figures of the year with the thresholds in force.")
        pdf.heading("Data Anomaly Questionnaire")
        q = a.questionnaire
        if q is None:
            pdf.paragraph(f"No questionnaire about {a.year} has been sent to {a.name}.")
        else:
            counts = ", ".join(f"{n} {state}" for state, n in q["by_state"].items() if n)
            pdf.facts(
                [
                    (
                        "Questionnaire",
                        f"No. {q['id']} · {q['status']}" + (" · overdue" if q["overdue"] else ""),
                    ),
                    ("Answers due by", long_date(q["deadline"]) if q["deadline"] else "—"),
                    ("Questions", f"{q['question_count']} ({counts})"),
                ]
            )

    return render(title, made_on, build)

"""An annual report as a printable PDF: the figures kpcs holds, each section's Part A and
Part B, the WGM's feedback and the participant's response.

Pure rendering over the project's report layout (:mod:`kpcs.statistics.report_pdf`, fpdf2):
the report as :func:`kpcs.annual_reports.services.report` returns it in, PDF bytes out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpcs.statistics.report_pdf import MUTED, ReportPDF, long_date, render


def _when(value: Any, by: str | None) -> str:
    return f"{long_date(value.date())} by {by}" if value else "—"


def render_annual_report_pdf(detail: dict[str, Any], made_on: date) -> bytes:
    """The report ``detail`` as an A4 PDF dated ``made_on``."""
    title = f"Annual report {detail['year']}: {detail['name']} ({detail['participant']})"

    def build(pdf: ReportPDF) -> None:
        pdf.title_block(
            "Kimberley Process · Annual report",
            f"Implementation of the KPCS in {detail['year']} · {detail['name']} ({detail['participant']})",
        )
        pdf.facts(
            [
                ("Report", f"No. {detail['id']} · {detail['status']} · {detail['standing']}"),
                ("Due by", long_date(detail["due_on"])),
                ("Submitted", _when(detail["submitted_at"], detail["submitted_by"])),
                ("Assessed", _when(detail["assessed_at"], detail["assessed_by"])),
                ("Responded", _when(detail["responded_at"], detail["responded_by"])),
            ]
        )
        _figures(pdf, detail["figures"], detail["figures_as_of"])
        for section in detail["sections"]:
            pdf.heading(section["title"])
            changed = section["part_a_changed"]
            since = (
                ""
                if changed is None
                else (
                    f" (changed since {detail['part_a_from']})"
                    if changed
                    else f" (as in {detail['part_a_from']})"
                )
            )
            pdf.paragraph(f"Part A · standing information{since}", size=8.5, colour=MUTED)
            pdf.paragraph(section["part_a"] or "—")
            pdf.paragraph("Part B · changes during the year", size=8.5, colour=MUTED)
            pdf.paragraph(section["part_b"] or "—")
            if section["feedback"]:
                pdf.paragraph("Feedback of the Working Group on Monitoring", size=8.5, colour=MUTED)
                pdf.paragraph(section["feedback"])
        if detail["follow_ups"]:
            pdf.heading("Follow-up of peer-review recommendations")
            pdf.data_table(
                ["Recommendation", "Owner", "Follow-up", "Note"],
                [
                    [
                        f"Review {e['review']}, No. {e['number']}: {e['text']}",
                        e["owner"],
                        e["follow_up"],
                        e["note"],
                    ]
                    for e in detail["follow_ups"]
                ],
                [70, 30, 25, 55],
            )
        if detail["assessment_note"]:
            pdf.heading("Conclusion of the Working Group on Monitoring")
            pdf.paragraph(detail["assessment_note"])
        if detail["response"]:
            pdf.heading("The participant's response")
            pdf.paragraph(detail["response"])

    return render(title, made_on, build)


def _figures(pdf: ReportPDF, figures: dict[str, Any], as_of: str) -> None:
    issued, confirmed = figures["certificates_issued"], figures["imports_confirmed"]
    questionnaire = figures["questionnaire"]
    pdf.heading("Figures held in kpcs")
    pdf.paragraph(f"As kpcs held them at {as_of}.", size=8.5, colour=MUTED)
    pdf.data_table(
        ["Figure", "Count", "Carats", "Value (USD)"],
        [
            [
                "Certificates issued",
                f"{issued['count']:,}",
                f"{issued['carats']:,.2f}",
                f"{issued['value_usd']:,.2f}",
            ],
            ["of which cancelled", f"{issued['cancelled']:,}", "", ""],
            ["Imports confirmed", f"{confirmed['count']:,}", f"{confirmed['carats']:,.2f}", ""],
        ],
        [70, 30, 40, 40],
        numeric=[False, True, True, True],
    )
    periods = ", ".join(f"{s['kind']} {s['period']}" for s in figures["statistics_submitted"]) or "none"
    answered = (
        f"No. {questionnaire['id']}, {questionnaire['status']}: "
        f"{questionnaire['questions'] - questionnaire['unanswered']} of {questionnaire['questions']} answered"
        if questionnaire
        else "none sent"
    )
    pdf.facts([("Statistics submitted", periods), ("Questionnaire", answered)])

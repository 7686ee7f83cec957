"""The Data Anomaly Questionnaire as a printable PDF: what the participant is asked, by when,
the figures behind each question, and every answer and decision so far.

Pure rendering: the questionnaire as :func:`kpcs.statistics.daq.questionnaire` returns it
in, PDF bytes out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpcs.statistics.report_pdf import MUTED, ReportPDF, long_date, render

_STEP_WORDS = {
    "asked": "Asked",
    "answered": "Answered",
    "accepted": "Answer accepted",
    "asked-again": "Asked again",
    "escalated": "Escalated",
}


def _number(value: Any, decimals: int = 2) -> str:
    return "—" if value is None else f"{value:,.{decimals}f}"


def render_questionnaire_pdf(detail: dict[str, Any], made_on: date) -> bytes:
    """The questionnaire ``detail`` as an A4 PDF dated ``made_on``."""
    title = f"Data Anomaly Questionnaire {detail['year']}: {detail['name']} ({detail['participant']})"

    def build(pdf: ReportPDF) -> None:
        pdf.title_block(
            "Kimberley Process · Working Group on Statistics",
            f"Data Anomaly Questionnaire on the statistics of {detail['year']} · "
            f"{detail['name']} ({detail['participant']})",
        )
        sent = detail["sent_at"]
        pdf.facts(
            [
                ("Questionnaire", f"No. {detail['id']} · {detail['status']}"),
                ("Sent", f"{long_date(sent.date())} by {detail['sent_by']}" if sent else "not sent (draft)"),
                ("Answers due by", long_date(detail["deadline"]) if detail["deadline"] else "set when sent"),
                ("Questions", str(detail["question_count"])),
            ]
        )
        pdf.paragraph(
            "The Working Group on Statistics found the anomalies below in the statistics reported for "
            f"{detail['year']}. Under the 2012 Administrative Decision on the Data Anomaly Questionnaire "
            "process, every question must be answered, adding whatever detail explains the figures; "
            "where figures were wrong, submit corrected statistics as well. Answer each question in kpcs "
            "(Statistics → Questionnaires). A participant that does not answer by the deadline is "
            "listed publicly."
        )
        for question in detail["questions"]:
            _question(pdf, question)

    return render(title, made_on, build)


def _question(pdf: ReportPDF, question: dict[str, Any]) -> None:
    a = question["anomaly"]
    about = " · ".join(
        part
        for part in (
            str(a["type"]).replace("_", " "),
            f"partner {a['partner']}" if a.get("partner") else "",
            f"period {a['period']}" if a.get("period") else "",
            f"HS {a['hs_code']}" if a.get("hs_code") else "",
            f"severity {a['severity']}",
        )
        if part
    )
    pdf.heading(f"Question {question['number']} · {question['state']}")
    pdf.paragraph(about, size=8.5, colour=MUTED)
    pdf.paragraph(question["text"])
    pdf.data_table(
        ["Reported", "Reference", "Deviation"],
        [[_number(a.get("reported")), _number(a.get("reference")), _number(a.get("deviation"), 3)]],
        [40, 40, 40],
        numeric=[True, True, True],
    )
    said = [s for s in question["steps"] if s["step"] != "asked"]
    if said:
        pdf.data_table(
            ["Date", "Step", "By", "Text"],
            [
                [f"{s['taken_at']:%Y-%m-%d}", _STEP_WORDS[s["step"]], s["taken_by"], s["text"] or ""]
                for s in said
            ],
            [22, 28, 35, 95],
        )

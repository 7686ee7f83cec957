"""A review's report as a printable PDF: who was reviewed and how, the team, the dates and
terms of reference, the report (final when there is one, else the draft), the participant's
comments, and the recommendations with their owner and follow-up.

Pure rendering over the project's report layout (:mod:`kpcs.statistics.report_pdf`, as the
annual report's PDF): the review as :func:`kpcs.reviews.services.review` returns it in, PDF
bytes out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpcs.reviews.domain import Stage
from kpcs.statistics.report_pdf import MUTED, ReportPDF, long_date, render

KIND_TITLES = {"visit": "Review visit", "mission": "Review mission"}


def _day(value: date | None) -> str:
    return long_date(value) if value else "—"


def render_review_pdf(detail: dict[str, Any], made_on: date) -> bytes:
    """The report of the review ``detail`` (draft, final or adopted) as an A4 PDF dated ``made_on``."""
    kind = KIND_TITLES.get(detail["kind"], detail["kind"])
    final = detail["final_report"] is not None
    which = (
        "Adopted report"
        if detail["stage"] == Stage.ADOPTED.value
        else "Final report"
        if final
        else "Draft report"
    )
    title = f"{kind} {detail['id']}: {detail['participant']} · {which.lower()}"

    def build(pdf: ReportPDF) -> None:
        pdf.title_block(
            f"Kimberley Process · {kind}", f"{which} on {detail['participant']} · review {detail['id']}"
        )
        visit = (
            f"{_day(detail['visit_starts'])} to {_day(detail['visit_ends'])}"
            if detail["visit_starts"]
            else "—"
        )
        pdf.facts(
            [
                ("Participant", detail["participant"]),
                ("Kind", kind),
                ("Stage", detail["stage"]),
                ("Visit", visit),
                ("Draft sent", _day(detail["draft_sent_on"])),
                ("Comments received", _day(detail["commented_on"])),
                ("Final report", _day(detail["final_on"])),
                ("Adopted", _day(detail["adopted_on"])),
            ]
        )
        pdf.heading("Review team")
        if detail["team"]:
            pdf.data_table(
                ["Name", "Constituency", "Affiliation", "Role"],
                [
                    [m["name"], m["constituency"], m["affiliation"], "leader" if m["leader"] else "member"]
                    for m in detail["team"]
                ],
                [55, 35, 60, 30],
            )
        else:
            pdf.paragraph("No one on the team.")
        if detail["constituencies_missing"]:
            missing = ", ".join(detail["constituencies_missing"])
            pdf.paragraph(f"None of the team is from: {missing}.", size=8.5, colour=MUTED)
        pdf.heading("Terms of reference")
        pdf.paragraph(detail["terms_of_reference"])
        pdf.heading(which)
        pdf.paragraph(detail["final_report"] if final else detail["draft_report"] or "—")
        pdf.heading("The participant's comments")
        pdf.paragraph(detail["comments"] or "No comments.")
        pdf.heading("Recommendations")
        if not detail["recommendations"]:
            pdf.paragraph("No recommendations.")
        for rec in detail["recommendations"]:
            pdf.paragraph(f"{rec['number']}. {rec['text']}")
            pdf.facts([("Owner", rec["owner"]), ("Follow-up", rec["follow_up"])])
            steps = [
                f"{s['taken_at']:%Y-%m-%d}: {s['follow_up']} ({s['source']})"
                + (f": {s['note']}" if s["note"] else "")
                for s in rec["history"]
            ]
            if steps:
                pdf.paragraph("\n".join(steps), size=8.5, colour=MUTED)

    return render(title, made_on, build)

"""The photo benchmark names the kind of copy it found least often: the kind is the copy's
steps without their parameters, whichever generator named it."""

from __future__ import annotations

import pytest
from benchmarks.photos import _kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("crop-l12t3r4b5px+jpeg-q70", "crop+jpeg"),
        ("recolour-b-8_c+2_s+2_g-6_wbr-7b-5", "recolour"),  # a "+" inside a step's parameters
        ("crop-l5t10r9b10+recolour-b+3_c-2+resize-x0.50+jpeg-q91", "crop+recolour+resize+jpeg"),
        ("crop(0,8.6,0,4.3)+resize0.78+jpeg64", "crop+resize+jpeg"),  # parameters without a "-"
        ("bright1.06,contrast1.07,sat0.90", "bright"),
        ("crop-resize-jpeg", "crop-resize-jpeg"),  # no parameters: the name is the kind
    ],
)
def test_a_copy_s_kind_is_its_steps_without_parameters(name: str, kind: str) -> None:
    assert _kind(name) == kind

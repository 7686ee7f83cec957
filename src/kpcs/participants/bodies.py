"""Vocabulary of the KP's working bodies (pure: the data file, the models and the pages use it)."""

from __future__ import annotations

from enum import StrEnum


class BodyKind(StrEnum):
    """What sort of body a working body is: a standing working group or committee, an ad hoc
    committee set up for one review cycle, or a monitoring team of a special regime."""

    WORKING_GROUP = "working_group"
    COMMITTEE = "committee"
    AD_HOC_COMMITTEE = "ad_hoc_committee"
    MONITORING_TEAM = "monitoring_team"

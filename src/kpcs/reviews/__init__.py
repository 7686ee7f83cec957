"""Peer review: review visits (on a participant's invitation) and review missions, their
teams, reports and timelines, and the recommendations they leave to be followed up."""

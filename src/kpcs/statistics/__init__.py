"""Statistics: Annex III submissions, figures derived from certificates, deadlines, public pages."""

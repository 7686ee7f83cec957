"""Submissions: the Annex III templates and their checks, taking a file whole or
refusing it whole, reading the figures in force, the deadlines and who owes what."""

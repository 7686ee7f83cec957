"""Idempotent creation: a retried request with the same ``Idempotency-Key`` gets the first
answer instead of creating a second certificate, report or submission (CONTRACT.md,
"Requests that change something")."""

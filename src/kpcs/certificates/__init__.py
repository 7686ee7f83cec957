"""KP certificates: issuing, signing, verifying, confirming imports, cancelling, and the
register of fraudulent certificates."""

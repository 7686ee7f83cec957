"""Technical assistance: needs and offers, matched by topic and region (2014 communiqué §38-39)."""

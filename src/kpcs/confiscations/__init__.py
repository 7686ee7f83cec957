"""The register of confiscated and seized rough diamonds (2021 communiqué §38)."""

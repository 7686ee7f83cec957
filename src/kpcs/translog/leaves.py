"""What a log leaf says about a certificate (CONTRACT.md, "The transparency log"): pure, no I/O.

The log is public and the certificates are not, so a leaf is a commitment, not the
credential: the ASCII line ``kpcs-log-entry/1 <number> <sha256>``, ``<sha256>`` the
lowercase hex SHA-256 of the compact JWS. Anyone can see which numbers were issued when;
whoever holds the credential can recompute the line and prove it was logged.

The first form of the log took the compact JWS itself as the leaf. A log that already
holds such leaves keeps them (rewriting them would change every root ever signed), so
a stored leaf hash is one of two forms, and :func:`stored_leaf` tells which.
"""

from __future__ import annotations

import hashlib

from kpcs.translog import merkle

LEAF_PREFIX = "kpcs-log-entry/1"
"""The first word of a commitment line, naming its format and version."""


def credential_digest(credential: str) -> str:
    """The lowercase hex SHA-256 of a credential's compact-JWS ASCII bytes."""
    return hashlib.sha256(credential.encode("ascii")).hexdigest()


def entry_line(number: str, credential: str) -> str:
    """The leaf the log appends for a certificate: its number and a digest of its credential."""
    return f"{LEAF_PREFIX} {number} {credential_digest(credential)}"


def leaf_hash_of(number: str, credential: str) -> bytes:
    """The leaf hash of a certificate's commitment line (what new leaves hash to)."""
    return merkle.leaf_hash(entry_line(number, credential).encode("ascii"))


def candidate_leaf_hashes(number: str, credential: str) -> tuple[bytes, bytes]:
    """The leaf hashes a logged credential may have: the line form, then the first form (the
    compact JWS itself), which older entries keep. A holder looks both up."""
    return leaf_hash_of(number, credential), merkle.leaf_hash(credential.encode("ascii"))


def stored_leaf(number: str, credential: str, leaf_hash: bytes) -> str:
    """The leaf text behind a stored ``leaf_hash``: the compact JWS for an entry of the first
    form, otherwise the commitment line.

    A leaf whose certificate was altered after it was logged matches neither form; it is
    served as the line the certificate makes now, which no longer hashes to the signed root,
    so an auditor replaying the entries reports the rewrite (the server does not hide it).
    """
    if merkle.leaf_hash(credential.encode("ascii")) == leaf_hash:
        return credential
    return entry_line(number, credential)

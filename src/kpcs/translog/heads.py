"""Signed tree heads (STH), as the contract fixes them: ``{"tree_size", "root_hash",
"timestamp", "signature"}`` where ``signature`` is a compact JWS (EdDSA) whose payload is
the same three values. Pure: building the payload and checking a head against a trust list.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from kpcs.signing.domain import KeyPurpose
from kpcs.signing.jws import MalformedToken, header_problems, parse_compact, signature_valid
from kpcs.signing.trust_list import TrustList
from kpcs.translog.merkle import HASH_SIZE

HEAD_TYPE = "kpcs-sth+jwt"


def b64(data: bytes) -> str:
    """Standard base64 (the contract's encoding for hashes)."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Decode standard base64 strictly."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not standard base64") from exc


def head_payload(tree_size: int, root_hash: bytes, timestamp: int) -> dict[str, Any]:
    """What the log's key signs."""
    return {"tree_size": tree_size, "root_hash": b64(root_hash), "timestamp": timestamp}


@dataclass(frozen=True)
class Head:
    """A tree head as read from a log, before or after checking its signature."""

    tree_size: int
    root_hash: bytes
    timestamp: int
    signature: str

    def as_dict(self) -> dict[str, Any]:
        """The ``GET /log/sth`` body."""
        return head_payload(self.tree_size, self.root_hash, self.timestamp) | {"signature": self.signature}

    @classmethod
    def from_dict(cls, data: Any) -> Head:
        """Read a ``GET /log/sth`` body; raises ``ValueError`` naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a tree head is a JSON object")
        try:
            size, root, timestamp, signature = (
                data["tree_size"],
                data["root_hash"],
                data["timestamp"],
                data["signature"],
            )
        except KeyError as exc:
            raise ValueError(f"the tree head has no {exc.args[0]!r}") from None
        if (
            not isinstance(size, int)
            or size < 0
            or not isinstance(timestamp, int)
            or not isinstance(signature, str)
        ):
            raise ValueError("tree_size and timestamp are non-negative integers, signature a string")
        if not isinstance(root, str):
            raise ValueError("root_hash is base64 text")
        digest = unb64(root)
        if len(digest) != HASH_SIZE:
            raise ValueError(f"root_hash is {len(digest)} bytes, not {HASH_SIZE}")
        return cls(size, digest, timestamp, signature)


def head_problems(head: Head, trust: TrustList) -> list[str]:
    """Why a tree head cannot be trusted (empty if its signature is good and matches)."""
    try:
        parsed = parse_compact(head.signature)
    except MalformedToken as exc:
        return [f"the head's signature is not a compact JWS: {exc.message}"]
    problems = header_problems(parsed.header, expected_typ=HEAD_TYPE)
    if problems:
        return problems
    key = trust.get(str(parsed.header["kid"]))
    if key is None:
        return [f"the head is signed with a key that is not in the trust list ({parsed.header['kid']})"]
    if key.purpose is not KeyPurpose.LOG:
        return ["the head is signed with a key that does not sign log heads"]
    if key.revoked_at is not None:
        return [f"the head is signed with a key revoked on {key.revoked_at:%Y-%m-%d}"]
    if not signature_valid(parsed, key.verify_key):
        return ["the head's signature does not verify"]
    try:
        signed = parsed.payload()
    except MalformedToken:
        return ["the head's signed payload is not JSON"]
    if signed != head_payload(head.tree_size, head.root_hash, head.timestamp):
        return ["the signed values differ from the head's tree_size, root_hash or timestamp"]
    return []

"""Auditing a log from outside: the checks an auditor makes on what a log serves.

Pure functions over fetched values; the CLI does the fetching and keeps the state (the
last head it accepted and the log keys it pinned). A problem here means the log's
operator served two histories, or rewrote one: it is reported, never smoothed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kpcs.signing.domain import KeyPurpose
from kpcs.signing.trust_list import TrustList
from kpcs.translog import merkle
from kpcs.translog.heads import Head, head_problems, unb64


@dataclass
class AuditState:
    """What an auditor remembers about one log between runs."""

    url: str
    pinned_kids: list[str] = field(default_factory=list)
    last_head: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the state file)."""
        return {"url": self.url, "pinned_kids": self.pinned_kids, "last_head": self.last_head}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditState:
        """Read the state file."""
        return cls(
            url=str(data["url"]),
            pinned_kids=list(data.get("pinned_kids", [])),
            last_head=data.get("last_head"),
        )


def log_keys(trust: TrustList) -> list[str]:
    """The kids of the log keys in a trust list."""
    return sorted(kid for kid, key in trust.keys.items() if key.purpose is KeyPurpose.LOG)


def key_problems(state: AuditState, head: Head, trust: TrustList, *, accept_new_key: bool) -> list[str]:
    """Is the head signed by a log key the auditor trusts?"""
    problems = head_problems(head, trust)
    if problems:
        return problems
    from kpcs.signing.jws import parse_compact

    kid = str(parse_compact(head.signature).header["kid"])
    if state.pinned_kids and kid not in state.pinned_kids and not accept_new_key:
        return [
            f"the head is signed by log key {kid}, not by the pinned key(s) {', '.join(state.pinned_kids)}: "
            "if the log announced a new key, rerun with --accept-new-key"
        ]
    return []


def growth_problems(last: Head | None, new: Head, proof: list[bytes] | None) -> list[str]:
    """Does ``new`` extend ``last``? (``proof``: the log's consistency proof, when sizes grew.)"""
    if last is None or last.tree_size == 0:
        return []
    if new.tree_size < last.tree_size:
        return [f"the log shrank from {last.tree_size} to {new.tree_size} entries: its history was rewritten"]
    if new.tree_size == last.tree_size:
        if new.root_hash != last.root_hash:
            return [f"FORK: two different roots for the same size {new.tree_size}"]
        return []
    if proof is None or not merkle.verify_consistency(
        last.tree_size, new.tree_size, last.root_hash, new.root_hash, proof
    ):
        return [
            f"FORK OR REWRITE: the head of size {new.tree_size} does not extend the head of size "
            f"{last.tree_size} the auditor accepted before (the consistency proof fails)"
        ]
    return []


def replay_problems(
    head: Head, pages: Iterable[list[dict[str, Any]]], on_progress: Callable[[int], None]
) -> list[str]:
    """Recompute the root from every entry (streaming: memory stays O(log n))."""
    tree = merkle.CompactRange()
    for page in pages:
        for entry in page:
            if entry.get("index") != tree.size:
                return [f"the log's entries are not contiguous at index {tree.size}"]
            leaf = entry.get("leaf")
            if not isinstance(leaf, str):
                return [f"entry {tree.size} has no leaf"]
            tree.append(merkle.leaf_hash(leaf.encode("ascii")))
        on_progress(tree.size)
        if tree.size >= head.tree_size:
            break
    if tree.size != head.tree_size:
        return [f"the log served {tree.size} entries, but its head says {head.tree_size}"]
    if tree.root() != head.root_hash:
        return ["REWRITE: the entries the log serves do not hash to its signed root"]
    return []


def head_from_state(state: AuditState) -> Head | None:
    """The last head the auditor accepted."""
    return Head.from_dict(state.last_head) if state.last_head else None


def decode_proof(values: Any) -> list[bytes]:
    """A proof's base64 hashes as bytes; raises ``ValueError`` if malformed."""
    if not isinstance(values, list):
        raise ValueError("a proof is a list of base64 hashes")
    return [unb64(str(value)) for value in values]

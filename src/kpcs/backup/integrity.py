"""Does a node hold what it should? The checks run after a restore (and by ``kpcs restore``).

- the transparency log: the root recomputed from every leaf equals the newest signed head's,
  and every signed head's signature verifies against the node's own trust list;
- the credentials: every certificate's credential is signed by a key of the trust list;
- the keys: every private half this node holds (a key file, or a key on the configured
  PKCS#11 token) is the one whose public half the trust list publishes.

Each problem is a sentence; an empty list means the node is whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from kpcs.certificates.models import Certificate
from kpcs.errors import KPCSError
from kpcs.signing.jws import MalformedToken, parse_compact, public_x, signature_valid
from kpcs.signing.keys import KeyRing
from kpcs.signing.models import KeyStorage, SigningKey
from kpcs.signing.trust_list import TrustList
from kpcs.translog import merkle
from kpcs.translog.heads import Head, head_problems
from kpcs.translog.models import LogLeaf, TreeHead


@dataclass
class IntegrityReport:
    """What was checked, and every problem found."""

    tree_size: int = 0
    uncovered_entries: int = 0
    heads_verified: int = 0
    credentials_verified: int = 0
    key_files_checked: int = 0
    token_keys_checked: int = 0
    token_keys_unchecked: int = 0
    unpublished_key_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def check_node(session: Session, keyring: KeyRing) -> IntegrityReport:
    """Check the log, the credentials and the keys of the node ``session`` is on."""
    report = IntegrityReport()
    trust = keyring.trust_list(session)
    _check_log(session, trust, report)
    credentials = sa.select(Certificate.number, Certificate.credential).order_by(Certificate.id)
    for number, credential in session.execute(credentials, execution_options={"yield_per": 1000}):
        problem = _credential_problem(credential, trust)
        if problem:
            report.problems.append(f"certificate {number}: {problem}")
        else:
            report.credentials_verified += 1
    _check_keys(session, keyring, report)
    return report


def _check_log(session: Session, trust: TrustList, report: IntegrityReport) -> None:
    heads = session.scalars(sa.select(TreeHead).order_by(TreeHead.tree_size)).all()
    for row in heads:
        problems = head_problems(Head(row.tree_size, row.root_hash, row.timestamp, row.signature), trust)
        if problems:
            report.problems.append(f"the signed head of size {row.tree_size}: {'; '.join(problems)}")
        else:
            report.heads_verified += 1
    hashes = list(session.scalars(sa.select(LogLeaf.leaf_hash).order_by(LogLeaf.index)))
    report.tree_size = len(hashes)
    # Entries appended after the newest head are normal (heads are signed on a timer, about
    # every second): the node signs a head covering them on first need.
    if not heads:
        report.uncovered_entries = len(hashes)
        return
    newest = heads[-1]
    report.uncovered_entries = max(0, len(hashes) - newest.tree_size)
    if newest.tree_size > len(hashes):
        report.problems.append(
            f"the newest signed head covers {newest.tree_size} entries, the log holds {len(hashes)}"
        )
    elif merkle.root_from_leaf_hashes(hashes[: newest.tree_size]) != newest.root_hash:
        report.problems.append(
            f"the log's root recomputed from its {newest.tree_size} entries is not the newest signed head's"
        )


def _credential_problem(credential: str, trust: TrustList) -> str | None:
    try:
        parsed = parse_compact(credential)
    except MalformedToken as exc:
        return f"the credential is not a compact JWS ({exc.message})"
    key = trust.get(str(parsed.header.get("kid")))
    if key is None:
        return f"the credential's key {parsed.header.get('kid')} is not in the trust list"
    if not signature_valid(parsed, key.verify_key):
        return "the credential's signature does not verify"
    return None


def _check_keys(session: Session, keyring: KeyRing, report: IntegrityReport) -> None:
    rows = session.scalars(sa.select(SigningKey).order_by(SigningKey.created_at)).all()
    on_disk = {path.stem for path in keyring.files.directory.glob("*.pem")}
    for row in rows:
        if row.storage is KeyStorage.PKCS11:
            if keyring.token is None or row.hsm_label is None:
                report.token_keys_unchecked += 1
                continue
            try:
                if keyring.token.public_x(row.hsm_label) != row.public_x:
                    report.problems.append(f"key {row.kid}: the token holds another key under its label")
            except KPCSError as exc:
                report.problems.append(f"key {row.kid}: {exc.message}")
            report.token_keys_checked += 1
        elif row.kid in on_disk:
            try:
                private = keyring.files.read(row.kid)
            except KPCSError as exc:
                report.problems.append(f"key {row.kid}: {exc.message}")
                continue
            if not isinstance(private, Ed25519PrivateKey) or public_x(private) != row.public_x:
                report.problems.append(f"key {row.kid}: its file holds another key")
            report.key_files_checked += 1
    # A key file is written just before its row commits, so a backup taken in between holds
    # a file whose key was never published: harmless (nothing it could sign is trusted).
    report.unpublished_key_files = sorted(on_disk - {row.kid for row in rows})

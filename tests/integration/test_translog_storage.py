"""The transparency log in the database, on SQLite and PostgreSQL: every certificate is
logged in its own transaction, the stored tree agrees with its leaves, proofs verify, and
neither concurrency nor a process killed mid-issue can separate a certificate from its
log entry."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kpcs import migrations
from kpcs.certificates import services
from kpcs.certificates.models import Certificate
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyRing
from kpcs.translog import merkle, store
from kpcs.translog.heads import Head, head_problems
from kpcs.translog.leaves import leaf_hash_of
from kpcs.translog.models import LogLeaf, LogNode, TreeHead, node_key
from kpcs.translog.services import current_head
from tests.conftest import OPERATOR, certificate_body

ROOT = Path(__file__).parents[2]


def assert_log_matches_certificates(session: Session) -> list[bytes]:
    """The invariants: one leaf per certificate and one certificate per leaf, contiguous
    indexes, and a stored tree that hashes exactly to the leaves. Returns the leaf hashes."""
    rows = session.execute(
        sa.select(LogLeaf.index, LogLeaf.leaf_hash, Certificate.number, Certificate.credential)
        .join(Certificate, Certificate.id == LogLeaf.certificate_id, full=True)
        .order_by(LogLeaf.index)
    ).all()
    assert all(row.index is not None and row.credential is not None for row in rows), (
        "orphan leaf or certificate"
    )
    assert [row.index for row in rows] == list(range(len(rows)))
    hashes = [row.leaf_hash for row in rows]
    assert hashes == [leaf_hash_of(row.number, row.credential) for row in rows]
    size = store.size(session)
    assert size == len(rows)
    assert store.root_at(session, size) == merkle.root_from_leaf_hashes(hashes)
    tree = merkle.CompactRange()
    expected = {(node_key(n.level, n.index), n.digest) for digest in hashes for n in tree.append(digest)[1:]}
    stored = {tuple(row) for row in session.execute(sa.select(LogNode.key, LogNode.hash))}
    assert stored == expected, "the stored subtrees differ from a replay of the leaves"
    return hashes


def test_every_issue_is_logged_and_heads_are_signed_when_needed(
    issue, session_factory: sessionmaker[Session], keyring: KeyRing, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """Issuing appends without signing; ``current_head`` signs one head per new size, and
    every head is a true, signed root that the newest extends."""
    heads: list[Head] = []
    for expected_size in range(1, 8):
        issue()
        with session_factory() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(TreeHead)) == len(heads)
        head = current_head(UnitOfWork(session_factory), keyring, clock)
        assert head.tree_size == expected_size
        assert current_head(UnitOfWork(session_factory), keyring, clock) == head  # read, not re-signed
        heads.append(head)
    with session_factory() as session:
        hashes = assert_log_matches_certificates(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(TreeHead)) == 7
        trust = keyring.trust_list()
        for head in heads:
            assert head_problems(head, trust) == []
            assert head.root_hash == merkle.root_from_leaf_hashes(hashes[: head.tree_size])
            if head.tree_size < 7:  # every earlier head is consistent with the newest
                proof = store.consistency_proof(session, head.tree_size, 7)
                newest = heads[-1].root_hash
                assert merkle.verify_consistency(head.tree_size, 7, head.root_hash, newest, proof)
        for index, digest in enumerate(hashes):
            proof = store.inclusion_proof(session, index, 7)
            assert merkle.verify_inclusion(digest, index, 7, proof, heads[-1].root_hash)


def test_workers_signing_at_once_agree_on_one_head(issue, session_factory, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    """Every web worker's timer may find the log uncovered at the same moment: they end
    with one head for the size, and each returns it."""
    for _ in range(3):
        issue()
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(lambda _: current_head(UnitOfWork(session_factory), keyring, clock), range(12)))
    assert {head.tree_size for head in found} == {3}
    assert len({head.signature for head in found}) == 1
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TreeHead)) == 1


def test_concurrent_issuing_builds_one_consistent_tree(session_factory, clock, keyring) -> None:  # type: ignore[no-untyped-def]
    body = CertificateCreate.model_validate(certificate_body())

    def issue_one(_: int) -> str:
        return services.issue_certificate(UnitOfWork(session_factory), OPERATOR, clock, keyring, body).number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(issue_one, range(30)))
    assert len(set(numbers)) == 30
    with session_factory() as session:
        assert len(assert_log_matches_certificates(session)) == 30


def test_a_failure_after_the_append_leaves_neither(session_factory, clock, keyring) -> None:  # type: ignore[no-untyped-def]
    """If anything fails once the leaf is written (here: the commit itself), the
    certificate, its leaf, its nodes and the log's size all roll back together."""
    body = CertificateCreate.model_validate(certificate_body())
    services.issue_certificate(UnitOfWork(session_factory), OPERATOR, clock, keyring, body)

    def power_cut(session: Session) -> None:
        if store.size(session) > 1:  # the second leaf is written, the commit has not happened
            raise RuntimeError("power cut")

    sa.event.listen(session_factory, "before_commit", power_cut)
    try:
        with pytest.raises(RuntimeError, match="power cut"):
            services.issue_certificate(UnitOfWork(session_factory), OPERATOR, clock, keyring, body)
    finally:
        sa.event.remove(session_factory, "before_commit", power_cut)
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
        assert len(assert_log_matches_certificates(session)) == 1
    services.issue_certificate(UnitOfWork(session_factory), OPERATOR, clock, keyring, body)
    with session_factory() as session:
        assert len(assert_log_matches_certificates(session)) == 2


def test_killing_the_issuer_never_separates_certificate_and_leaf(database_url: str, settings) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a process that issues certificates as fast as it can, several times, at
    random moments; after each kill, and after issuing again, the invariants hold."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    # The tree under test first, whatever kpcs the interpreter has installed.
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    committed: list[str] = []
    try:
        for round_ in range(3):
            victim = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.integration.issue_forever",
                    database_url,
                    str(settings.data_dir),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert victim.stdout is not None
            first = victim.stdout.readline()  # it is issuing: wait for its first commit
            assert first, victim.stderr.read() if victim.stderr else "the victim died"
            time.sleep(0.2 + random.random())  # then kill it at a random moment, mid-issue
            victim.send_signal(signal.SIGKILL)
            out, err = victim.communicate(timeout=30)
            assert victim.returncode == -signal.SIGKILL, err
            committed += [first.strip(), *out.split()]
            with factory() as session:
                logged = assert_log_matches_certificates(session)
                # every number the victim saw committed is there (a kill may also land
                # after a commit and before the print: more in the log is fine)
                assert len(logged) >= len(committed), (round_, len(logged), len(committed))
        assert len(committed) > 0, "the victim never got to issue anything"
    finally:
        engine.dispose()


def test_migration_logs_existing_certificates(database_url: str, issue, session_factory) -> None:  # type: ignore[no-untyped-def]
    """Certificates issued before the log existed are logged, in order, by its migration;
    a database with data goes down and up again through every revision."""
    numbers = [issue().number for _ in range(5)]
    with session_factory() as session:
        before = assert_log_matches_certificates(session)
    from alembic import command

    command.downgrade(migrations.alembic_config(database_url), "0003")
    migrations.upgrade(database_url)
    migrations.check(database_url)
    with session_factory() as session:
        after = assert_log_matches_certificates(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(TreeHead)) == 0
    assert after == before and len(numbers) == 5

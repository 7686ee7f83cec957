"""Issues certificates in a loop until killed: the victim of the kill-in-the-middle test.

Run as ``python -m tests.integration.issue_forever DATABASE_URL DATA_DIR``; prints the
number of each certificate once it is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kpcs.accounts.permissions import operator
from kpcs.certificates import services
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import SystemClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyFiles, KeyRing
from tests.conftest import certificate_body


def main() -> None:
    """Issue until killed."""
    url, data_dir = sys.argv[1], Path(sys.argv[2])
    factory = make_session_factory(make_engine(url))
    clock = SystemClock()
    keyring = KeyRing(factory, KeyFiles(data_dir / "keys"), clock)
    body = CertificateCreate.model_validate(certificate_body())
    principal = operator("victim")
    while True:
        issued = services.issue_certificate(UnitOfWork(factory), principal, clock, keyring, body)
        print(issued.number, flush=True)


if __name__ == "__main__":
    main()

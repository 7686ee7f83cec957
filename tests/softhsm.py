"""A throwaway SoftHSM2 token for the tests of keys in a hardware module.

SoftHSM reads its configuration (``SOFTHSM2_CONF``) once, when a process first initialises
the library, so one token directory serves the whole test session; every test makes its
own keys on it (their labels are random), and the directory is deleted at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
"""Debian's softhsm2 package installs its PKCS#11 library here."""


@dataclass(frozen=True)
class SoftHsm:
    """An initialised token: what KPCS_PKCS11_* need."""

    module: Path
    token: str
    pin: str
    conf: Path


def start(directory: Path, *, token: str = "kpcs-test", pin: str = "4711-test") -> SoftHsm:
    """Initialise a token in ``directory`` and point this process (and its children) at it."""
    if not MODULE.is_file() or shutil.which("softhsm2-util") is None:
        raise RuntimeError("SoftHSM2 is missing: `make test-deps` installs Debian's softhsm2 package")
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", token, "--pin", pin, "--so-pin", "so-" + pin],
        check=True,
        capture_output=True,
    )
    return SoftHsm(module=MODULE, token=token, pin=pin, conf=conf)

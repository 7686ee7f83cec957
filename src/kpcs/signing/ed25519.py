"""Ed25519 signature checks through libsodium's detached verify, the border check's hot path.

PyNaCl's ``VerifyKey.verify`` goes through ``crypto_sign_open``, which copies signature
and message into a fresh buffer on every call. kpcs calls libsodium's
``crypto_sign_verify_detached`` instead, which checks the same bytes in place: from the
system's libsodium when there is one (Debian's build verifies about 15 % faster than the
copy in PyNaCl's wheel), else from the library PyNaCl ships, else through PyNaCl itself.
It is the same library with the same checks (canonical S, small-order points refused)
whichever is loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

Verifier = Callable[[bytes, bytes, bytes], bool]
"""``verify(public_key, message, signature)``: true if the signature is valid."""


def _pynacl(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        VerifyKey(public_key).verify(message, signature)
    except BadSignatureError:
        return False
    return True


def _libraries() -> dict[str, str]:
    """Where libsodium may be found, by name: the system's first, then PyNaCl's copy."""
    from nacl import _sodium

    found = {"the system's": ctypes.util.find_library("sodium"), "PyNaCl's": _sodium.__file__}
    return {whose: path for whose, path in found.items() if path}


def _detached(path: str) -> tuple[str, Verifier] | None:
    """libsodium's version (" 1.0.18", or "" if unknown) and detached verify from ``path``."""
    try:
        library = ctypes.CDLL(path)
        verify = library.crypto_sign_verify_detached
        initialise = library.sodium_init
    except (OSError, AttributeError):
        return None
    if initialise() < 0:  # 0 first time, 1 when already initialised, -1 on failure
        return None
    version = ""
    if hasattr(library, "sodium_version_string"):  # PyNaCl's copy does not export it
        library.sodium_version_string.restype = ctypes.c_char_p
        version = " " + library.sodium_version_string().decode("ascii")
    verify.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_char_p]
    verify.restype = ctypes.c_int

    def check(public_key: bytes, message: bytes, signature: bytes) -> bool:
        # libsodium reads exactly 64 signature and 32 key bytes: shorter buffers would be
        # read past their end, so they are refused here.
        if len(signature) != 64 or len(public_key) != 32:
            return False
        return bool(verify(signature, message, len(message), public_key) == 0)

    return version, check


def available_verifiers() -> dict[str, Verifier]:
    """Every way this machine can check a signature, fastest first, by name.

    The tests check that they all agree; the benchmark names the one it measured.
    """
    found: dict[str, Verifier] = {}
    for whose, path in _libraries().items():
        detached = _detached(path)
        if detached is not None:
            version, check = detached
            found[f"{whose} libsodium{version}"] = check
    found["PyNaCl's VerifyKey.verify"] = _pynacl
    return found


@cache
def chosen() -> tuple[str, Verifier]:
    """The fastest verifier available, with its name (found once per process)."""
    return next(iter(available_verifiers().items()))

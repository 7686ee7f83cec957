"""Every Ed25519 verifier kpcs may load (system libsodium, PyNaCl's copy, PyNaCl itself)
accepts exactly the same signatures: RFC 8032's vectors, random keys and messages, and
refuses every altered, truncated or non-canonical one."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcs.signing import ed25519

VERIFIERS = ed25519.available_verifiers()
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493

# RFC 8032 §7.1, TEST 1 and TEST 2: public key, message, signature.
RFC_8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd"
        "25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387"
        "b2eaeb4302aeeb00d291612bb0c00",
    ),
]


def _signed(seed: bytes, message: bytes) -> tuple[bytes, bytes]:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), key.sign(message)


def test_pynacl_is_always_there_and_a_detached_libsodium_is_preferred_when_found() -> None:
    names = list(VERIFIERS)
    assert names[-1] == "PyNaCl's VerifyKey.verify"
    assert ed25519.chosen()[0] == names[0]
    assert any("libsodium" in name for name in names)  # PyNaCl's own copy at least


@pytest.mark.parametrize("name", list(VERIFIERS))
@pytest.mark.parametrize(("public", "message", "signature"), RFC_8032)
def test_rfc_8032_vectors_verify_and_any_changed_bit_does_not(
    name: str, public: str, message: str, signature: str
) -> None:
    verify = VERIFIERS[name]
    key, text, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert verify(key, text, sig)
    for index in range(64):
        assert not verify(key, text, sig[:index] + bytes([sig[index] ^ 0x01]) + sig[index + 1 :])
    assert not verify(key, text + b"\x00", sig)


@pytest.mark.parametrize("name", list(VERIFIERS))
def test_wrong_lengths_are_refused_not_read_past(name: str) -> None:
    public, signature = _signed(bytes(32), b"kp")
    verify = VERIFIERS[name]
    assert not verify(public, b"kp", signature[:63])
    assert not verify(public, b"kp", signature + b"\x00")
    assert not verify(public[:31], b"kp", signature)
    assert not verify(public, b"kp", b"")


@pytest.mark.parametrize("name", list(VERIFIERS))
def test_a_non_canonical_s_is_refused(name: str) -> None:
    """S + L names the same scalar; accepting it would let anyone re-sign a signature."""
    public, signature = _signed(bytes(range(32)), b"BW-2025-000001")
    s = int.from_bytes(signature[32:], "little") + GROUP_ORDER
    assert not VERIFIERS[name](public, b"BW-2025-000001", signature[:32] + s.to_bytes(32, "little"))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    message=st.binary(max_size=600),
    flip=st.integers(min_value=0),
)
def test_all_verifiers_agree_on_random_keys_messages_and_alterations(
    seed: bytes, message: bytes, flip: int
) -> None:
    public, signature = _signed(seed, message)
    signed = message + signature
    position = flip % len(signed)
    altered = signed[:position] + bytes([signed[position] ^ (1 + flip % 255)]) + signed[position + 1 :]
    for verify in VERIFIERS.values():
        assert verify(public, message, signature)
        assert not verify(public, altered[: len(message)], altered[len(message) :])

"""The vocabulary of signing, pure: what a key signs and who owns the instance's keys.

Kept apart from :mod:`kpcs.signing.models` (which re-exports it) so that what needs no
database, such as the trust list, offline verification and the log's outside auditor, does
not load the ORM for an enum.
"""

from __future__ import annotations

from enum import StrEnum


class KeyPurpose(StrEnum):
    """What a key signs."""

    CERTIFICATES = "certificates"  # KP certificates of one participant's authority
    LOG = "log"  # signed tree heads of the transparency log
    TRUST_LIST = "trust-list"  # the signed, dated copy of the trust list


INSTANCE_OWNER = "kpcs"
"""``owner`` of keys that belong to this kpcs instance rather than to a participant."""


class KeyStorage(StrEnum):
    """Where a key's private half lives (its public half is always in the key table)."""

    FILE = "file"  # a PKCS#8 file, mode 0600, under KPCS_DATA_DIR/keys (the embedded default)
    PKCS11 = "pkcs11"  # a non-extractable key pair in a hardware security module (PKCS#11)

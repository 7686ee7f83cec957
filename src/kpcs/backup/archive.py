"""The backup file: one tar archive (gzip-compressed) with a manifest.

Members::

    manifest.json                  what is inside, with the SHA-256 of every other member
    database/<table>.jsonl         one JSON array per row, columns as the manifest lists them
    files/<path>                   the data directory's files: key files (keys/<kid>.pem),
                                   fraud evidence, ... (never the SQLite database itself)

The database is dumped logically, table by table through SQLAlchemy, not with
``pg_dump`` or a copy of the SQLite file: the same file restores into SQLite or PostgreSQL,
whichever the backup came from, and needs no client tools of the right version.

Reading refuses anything but plain files under those names (no links, no absolute or
``..`` paths: a tar is a classic way to write outside the target directory), and refuses
the archive if any member's hash differs from the manifest or a member is missing or extra.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from kpcs.errors import InvalidInput

FORMAT = "kpcs-backup/1"
MANIFEST = "manifest.json"
DATABASE_PREFIX = "database/"
FILES_PREFIX = "files/"


class BackupInvalid(InvalidInput):
    """The file is not a kpcs backup, or it was changed or truncated since it was written."""


@dataclass
class Manifest:
    """What a backup holds: schema revision, per-table columns and row counts, the hash of
    every member, the signing keys (where their private halves live) and the log's size."""

    created_at: str
    created_by: str
    kpcs_version: str
    schema_revision: str
    source_database: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    keys: list[dict[str, Any]] = field(default_factory=list)
    log: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The manifest member's bytes."""
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Read a manifest; raises :class:`BackupInvalid` when it is not one of ours."""
        try:
            raw = json.loads(data)
            if raw.pop("format") != FORMAT:
                raise BackupInvalid(f"the backup's format is not {FORMAT}")
            return cls(**raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupInvalid(f"the backup's manifest cannot be read: {exc}") from None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(target: Path, manifest: Manifest, members: dict[str, Path]) -> None:
    """Write the archive atomically, mode 0600 from the first byte (it holds private keys)."""
    temporary = target.with_name(f".{target.name}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, manifest.to_json())
            for name, path in members.items():
                info = archive.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with path.open("rb") as source:
                    archive.addfile(info, source)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name == MANIFEST or name.startswith((DATABASE_PREFIX, FILES_PREFIX)))
    )


@dataclass(frozen=True)
class OpenedBackup:
    """A backup whose members were all checked against its manifest, unpacked in ``directory``."""

    manifest: Manifest
    directory: Path

    def rows(self, table: str) -> Iterator[list[Any]]:
        """The dumped rows of ``table`` (JSON values, in the manifest's column order)."""
        path = self.directory / f"{DATABASE_PREFIX}{table}.jsonl"
        with path.open("rb") as stream:
            for line in stream:
                yield json.loads(line)

    def files(self) -> dict[str, Path]:
        """The data directory's files, by their path relative to the data directory."""
        return {
            name.removeprefix(FILES_PREFIX): self.directory / name
            for name in self.manifest.members
            if name.startswith(FILES_PREFIX)
        }


def open_archive(source: Path, directory: Path) -> OpenedBackup:
    """Unpack ``source`` into ``directory`` (an empty private directory) and check it whole."""
    try:
        archive = tarfile.open(source, mode="r:*")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        raise BackupInvalid(f"{source} does not exist") from None
    except (tarfile.TarError, OSError) as exc:
        raise BackupInvalid(f"{source} is not a kpcs backup (not a tar archive: {exc})") from None
    manifest: Manifest | None = None
    seen: dict[str, str] = {}
    with archive:
        try:
            for member in archive:
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupInvalid(f"the backup holds an unexpected member {member.name!r}")
                stream = archive.extractfile(member)
                assert stream is not None
                if member.name == MANIFEST:
                    manifest = Manifest.from_json(stream.read(1 << 24))
                    continue
                seen[member.name] = _unpack(stream, directory / member.name)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise BackupInvalid(f"{source} is damaged or truncated ({exc})") from None
    if manifest is None:
        raise BackupInvalid(f"{source} has no {MANIFEST}: it is not a kpcs backup")
    missing = sorted(set(manifest.members) - set(seen))
    extra = sorted(set(seen) - set(manifest.members))
    changed = sorted(name for name, digest in seen.items() if manifest.members.get(name, digest) != digest)
    if missing or extra or changed:
        details = [
            f"{label}: {', '.join(names[:5])}"
            for label, names in (("missing", missing), ("not in the manifest", extra), ("changed", changed))
            if names
        ]
        raise BackupInvalid("the backup does not match its manifest (" + "; ".join(details) + ")")
    return OpenedBackup(manifest=manifest, directory=directory)


def _unpack(stream: IO[bytes], target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()

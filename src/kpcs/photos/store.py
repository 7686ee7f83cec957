"""Photo files under ``KPCS_DATA_DIR/photos``, named by the SHA-256 of their content."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from kpcs.errors import NotFound


class PhotoStore:
    """Files named by their SHA-256 (never by what the uploader called them), so a photo is
    stored once and cannot be overwritten; backups take them with the data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, content: bytes) -> str:
        """Store ``content``; returns its SHA-256 hex digest."""
        digest = hashlib.sha256(content).hexdigest()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / digest
        if not path.exists():
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(content)
            temporary.replace(path)
        return digest

    def read(self, digest: str) -> bytes:
        """The file stored under ``digest``."""
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise NotFound("no such photo file")
        try:
            return (self.directory / digest).read_bytes()
        except FileNotFoundError:
            raise NotFound("the photo file is missing from the data directory") from None

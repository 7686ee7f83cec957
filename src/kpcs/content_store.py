"""Files under the data directory named by the SHA-256 of their content (fraud evidence,
shipment photos): never by what the uploader called them, so a file is stored once, cannot
be overwritten, and backups take it with the data directory."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from kpcs.errors import NotFound


class ContentStore:
    """A directory of files named by their SHA-256; ``what`` names them in errors."""

    what = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, content: bytes) -> str:
        """Store ``content`` (written aside, then renamed: never half a file); returns its
        SHA-256 hex digest."""
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
            raise NotFound(f"no such {self.what} file")
        try:
            return (self.directory / digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the {self.what} file is missing from the data directory") from None

"""Photo files under ``KPCS_DATA_DIR/photos``, named by the SHA-256 of their content."""

from __future__ import annotations

from kpcs.content_store import ContentStore


class PhotoStore(ContentStore):
    """Shipment photos (re-encoded, EXIF stripped) and their thumbnails."""

    what = "photo"

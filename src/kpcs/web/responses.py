"""Response classes that say in ``/openapi.json`` what a route sends back when it is not JSON."""

from __future__ import annotations

from starlette.responses import Response


class CsvResponse(Response):
    """A CSV download: documented as ``text/csv``, sent as UTF-8."""

    media_type = "text/csv"
    charset = "utf-8"

"""``kpcs serve``: the web pages and the API."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from kpcs.cli.state import state
from kpcs.web.app import create_app


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web pages and /api/v1 (run `kpcs db upgrade` first)."""
    cli = state(ctx)
    app = create_app(cli.settings, clock=cli.clock)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)

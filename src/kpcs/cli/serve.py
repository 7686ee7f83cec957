"""``kpcs serve``: the web pages and the API."""

from __future__ import annotations

import signal
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from kpcs.cli.output import console
from kpcs.cli.state import CliState, state

if TYPE_CHECKING:
    from kpcs.notifications.deadlines import DeadlineSweeper

# uvicorn and the web app (FastAPI, templates, Matplotlib for the charts), and multiprocessing
# for several workers, are imported by the functions that serve, not here: every other command
# would pay for them at start-up.


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket of its own for one worker, sharing the port with the others.

    SO_REUSEPORT lets the kernel spread new connections evenly over the workers' sockets;
    with one shared socket, whichever process happens to be waiting takes the connection,
    and a few long-lived client connections can all land on one core while the other idles.
    TCP_NODELAY is inherited by accepted connections: without it, a response written in two
    parts waits ~40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, access_log: bool) -> None:
    """One worker process: its own socket and an app built from the KPCS_* environment."""
    import uvicorn

    config = uvicorn.Config(
        "kpcs.web.app:app_from_environment",
        factory=True,
        log_level="info",
        access_log=access_log,
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port)])


def _serve_workers(host: str, port: int, workers: int, access_log: bool) -> None:
    """Run ``workers`` processes; stop them all on Ctrl-C or SIGTERM, or if one dies."""
    import multiprocessing
    import multiprocessing.connection

    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port, access_log), name=f"kpcs-worker-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    console.print(f"kpcs serving http://{host}:{port}/ with {workers} worker processes", highlight=False)

    def stop(_signum: int, _frame: object) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        multiprocessing.connection.wait([p.sentinel for p in processes])
    finally:
        stop(signal.SIGTERM, None)
        for process in processes:
            process.join(timeout=10)


def deadline_sweeper(cli: CliState) -> DeadlineSweeper | None:
    """The daily deadline sweep this server runs (once per server, not per worker process),
    unless ``KPCS_DEADLINE_SWEEP=false``."""
    if not cli.settings.deadline_sweep:
        return None
    from kpcs.notifications.deadlines import DeadlineSweeper

    return DeadlineSweeper(cli.uow, cli.clock)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes (one per core)")] = 1,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the web pages and /api/v1 (run `kpcs db upgrade` first)."""
    cli = state(ctx)
    sweeper = deadline_sweeper(cli)
    if sweeper is not None:
        sweeper.start()
    try:
        if workers > 1:
            _serve_workers(host, port, workers, access_log)
            return
        import uvicorn

        from kpcs.web.app import create_app

        app = create_app(cli.settings, clock=cli.clock)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log, proxy_headers=False)
    finally:
        if sweeper is not None:
            sweeper.stop()

"""A hub and national nodes as real `kpcs serve` processes on loopback, for the exchange
tests and `make bench`: started, enrolled, killed (SIGKILL) and restarted like the real
thing, each with its own data directory and database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

KPCS = str(Path(sys.executable).parent / "kpcs")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], *, timeout: float = 30.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Instance:
    """One kpcs system: the hub or a participant's national node."""

    def __init__(
        self, name: str, root: Path, *, env: dict[str, str], database_url: str | None = None
    ) -> None:
        self.name = name
        self.data_dir = root / name
        self.port = free_port()
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'kpcs.db'}"
        self.env = {
            **os.environ,
            "KPCS_DATA_DIR": str(self.data_dir),
            "KPCS_DATABASE_URL": self.database_url,
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._engine: sa.Engine | None = None
        self._tokens: dict[tuple[str, str | None], str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> str:
        """Run a `kpcs` command on this instance's data; returns stdout."""
        done = subprocess.run([KPCS, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"kpcs {' '.join(args)} failed on {self.name}: {done.stderr or done.stdout}")
        return done.stdout

    def token(self, role: str, participant: str | None = None) -> str:
        """An API token on this instance (made once)."""
        key = (role, participant)
        if key not in self._tokens:
            args = ["tokens", "create", "--role", role] + (
                ["--participant", participant] if participant else []
            )
            self._tokens[key] = self.run(*args).strip().splitlines()[-1]
        return self._tokens[key]

    def client(self, role: str = "admin", participant: str | None = None) -> httpx.Client:
        """An HTTP client with a token of ``role``."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token(role, participant)}"},
            timeout=30,
        )

    def start(self, *serve_args: str) -> None:
        """Start `kpcs serve` (with ``serve_args``, e.g. ``--workers 2``) and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "serve.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [
                    KPCS,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    *serve_args,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                return httpx.get(f"{self.url}/api/v1/log/sth", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answers, timeout=60, what=f"{self.name} to start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, exactly like a power cut of the process."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill after 10 s."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def log_tail(self, lines: int = 30) -> str:
        path = self.data_dir / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def scalar(self, sql: str, **params: Any) -> Any:
        """Read one value straight from this instance's database."""
        with self._connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Read rows straight from this instance's database."""
        with self._connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]

    def _connect(self) -> sa.Connection:
        if self._engine is None:
            self._engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
        return self._engine.connect()


class ExchangeCluster:
    """A hub and one national node per participant code, enrolled and running."""

    def __init__(
        self, root: Path, nodes: tuple[str, ...] = ("BW", "IN"), hub_database_url: str | None = None
    ):
        self.hub = Instance("hub", root, env={"KPCS_NODE": "hub"}, database_url=hub_database_url)
        self.nodes = {
            code: Instance(code, root, env={"KPCS_NODE": code, "KPCS_HUB_URL": self.hub.url})
            for code in nodes
        }

    def __getitem__(self, code: str) -> Instance:
        return self.nodes[code]

    def start(self) -> ExchangeCluster:
        self.hub.run("db", "upgrade")
        self.hub.start()
        for code, node in self.nodes.items():
            token = (
                self.hub.run("nodes", "enroll", "--participant", code, "--url", node.url)
                .strip()
                .splitlines()[-1]
            )
            node.env["KPCS_ENROLLMENT_TOKEN"] = token
            node.run("db", "upgrade")
            node.start()
        for node in self.nodes.values():
            wait_for(lambda n=node: self.enrolled(n), timeout=30, what=f"{node.name} to enroll")
        # Every node knows every other node's key before the first certificate.
        for node in self.nodes.values():
            wait_for(lambda n=node: self.idle(n), timeout=30, what=f"{node.name}'s queue to empty")
        wait_for(lambda: self.idle(self.hub), timeout=30, what="the hub's queues to empty")
        return self

    def enrolled(self, node: Instance) -> bool:
        return bool(node.scalar("SELECT count(*) FROM exchange_hub_link WHERE enrolled_at IS NOT NULL"))

    @staticmethod
    def idle(instance: Instance) -> bool:
        return instance.scalar("SELECT count(*) FROM exchange_outbox WHERE state = 'pending'") == 0

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        self.hub.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {i.name} ---\n{i.log_tail()}" for i in (self.hub, *self.nodes.values()))

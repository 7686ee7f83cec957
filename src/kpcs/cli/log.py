"""``kpcs log``: audit a transparency log from outside."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kpcs.cli.output import console, err_console
from kpcs.errors import KPCSError

if TYPE_CHECKING:
    import httpx

app = typer.Typer(help="The transparency log.", no_args_is_help=True)

INTEGRITY_FAILURE = 3
"""Exit code when the log is caught serving a fork or a rewritten history."""


RATE_LIMITED_RETRIES = 10
"""How many ``429`` answers in a row the auditor waits out before giving up."""
MAX_RETRY_AFTER = 60


def _get(
    client: httpx.Client, url: str, *, sleep: Callable[[float], None] = time.sleep, **params: Any
) -> Any:
    """GET a JSON document; a ``429`` (a log limits each client) is waited out as it asks."""
    import httpx

    try:
        for _ in range(RATE_LIMITED_RETRIES):
            response = client.get(url, params=params or None)
            if response.status_code != 429:
                break
            try:
                wait = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
            sleep(min(max(wait, 0.0), MAX_RETRY_AFTER))
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise KPCSError(f"cannot read {url}: {exc}") from None


def _fail(problems: list[str]) -> None:
    err_console.print("[bold red]LOG INTEGRITY FAILURE[/bold red]", highlight=False)
    for problem in problems:
        err_console.print(f"  - {problem}", highlight=False)
    err_console.print("The state file was not updated. Keep it, and the log's answers, as evidence.")
    raise typer.Exit(INTEGRITY_FAILURE)


@app.command("audit")
def audit(
    url: Annotated[str, typer.Argument(help="base URL of a kpcs instance, e.g. https://kpcs.example.org")],
    state_file: Annotated[Path, typer.Option("--state", help="where the last accepted head is kept")] = Path(
        "kpcs-log-audit.json"
    ),
    full: Annotated[
        bool, typer.Option("--full", help="also download every entry and recompute the root")
    ] = False,
    accept_new_key: Annotated[bool, typer.Option(help="trust a log key other than the pinned one")] = False,
) -> None:
    """Check that the log only grew since the last audit; exit 3 on a fork or rewrite."""
    import httpx

    from kpcs.signing.trust_list import TrustList
    from kpcs.translog.audit import (
        AuditState,
        decode_proof,
        growth_problems,
        head_from_state,
        key_problems,
        log_keys,
        replay_problems,
    )
    from kpcs.translog.heads import Head

    base = url.rstrip("/")
    state = AuditState(url=base)
    if state_file.exists():
        try:
            state = AuditState.from_dict(json.loads(state_file.read_text()))
        except (ValueError, KeyError) as exc:
            raise KPCSError(f"the state file {state_file} is unreadable: {exc}") from None
        if state.url != base:
            raise KPCSError(
                f"the state file {state_file} is for {state.url}, not {base}: use another --state"
            )
    with httpx.Client(timeout=30) as client:
        try:
            head = Head.from_dict(_get(client, f"{base}/api/v1/log/sth"))
        except ValueError as exc:
            _fail([f"the log's signed tree head is malformed: {exc}"])
            return
        # After the head: keys are only ever added, so this list holds the head's key even
        # if the log created or rotated it a moment ago.
        trust = TrustList.from_jwks(_get(client, f"{base}/api/v1/trust-list"))
        problems = key_problems(state, head, trust, accept_new_key=accept_new_key)
        if problems:
            _fail(problems)
        last = head_from_state(state)
        proof = None
        if last is not None and 0 < last.tree_size < head.tree_size:
            try:
                proof = decode_proof(
                    _get(
                        client, f"{base}/api/v1/log/consistency", first=last.tree_size, second=head.tree_size
                    )["consistency"]
                )
            except (KeyError, ValueError) as exc:
                _fail([f"the log's consistency proof is malformed: {exc}"])
        problems = growth_problems(last, head, proof)
        if problems:
            _fail(problems)
        if full:

            def pages() -> Any:
                for start in range(0, head.tree_size, 1000):
                    yield _get(client, f"{base}/api/v1/log/entries", start=start, end=start + 1000)["entries"]

            problems = replay_problems(head, pages(), lambda done: None)
            if problems:
                _fail(problems)
    first_audit = not state.pinned_kids
    state.pinned_kids = (
        sorted(set(state.pinned_kids) | set(log_keys(trust)))
        if first_audit or accept_new_key
        else state.pinned_kids
    )
    state.last_head = head.as_dict()
    state_file.write_text(json.dumps(state.as_dict(), indent=2) + "\n")
    grew = "" if last is None else f", grew from {last.tree_size}"
    console.print(
        f"[green]log OK[/green]: {head.tree_size} entries{grew}; head signature verified"
        + (", every entry replayed" if full else "")
        + (f"; first audit: pinned log key(s) {', '.join(state.pinned_kids)}" if first_audit else ""),
        highlight=False,
    )

"""``kpcs backup`` and ``kpcs restore``: the whole node (database, keys, files) in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, err_console
from kpcs.cli.state import state
from kpcs.errors import KPCSError


def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="file to write (default: kpcs-<time>.kpcs-backup in the current directory)"
        ),
    ] = None,
) -> None:
    """Back up the database, the signing keys and the data directory's files into one file.

    The file holds the node's PRIVATE SIGNING KEYS (those kept in files): it is written mode
    0600; keep it as you keep the keys. Keys in a PKCS#11 module stay there: the backup
    names them, and the node restored from it needs the same token. Consistent while the
    node runs (one read transaction); works on SQLite and PostgreSQL alike.
    """
    from kpcs.backup.services import create_backup

    cli = state(ctx)
    target = out or Path(f"kpcs-{cli.clock.now():%Y%m%dT%H%M%SZ}.kpcs-backup")
    result = create_backup(
        cli.engine,
        cli.settings.data_dir,
        target,
        principal=cli.principal,
        clock=cli.clock,
        session_factory=cli.session_factory,
    )
    hsm = f", {result.hsm_keys} key(s) referenced in the PKCS#11 token" if result.hsm_keys else ""
    console.print(
        f"wrote {result.path} (mode 0600, holds private keys): {result.rows} rows in {result.tables} tables, "
        f"{result.files} data file(s){hsm}",
        highlight=False,
    )


def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="a file written by `kpcs backup`")],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="delete everything in the target database and data directory first"),
    ] = False,
) -> None:
    """Restore a backup into this node's database (KPCS_DATABASE_URL) and data directory, then check it.

    The target must be empty (a new database and data directory) unless --replace is given.
    After loading, the log's root is recomputed and compared with the newest signed head,
    every head and every credential signature is verified against the restored trust list,
    and the key files are matched with the published keys; any problem exits 1.
    """
    from kpcs.backup.services import restore_backup

    cli = state(ctx)
    if cli.settings.database_url is None:
        cli.settings.ensure_data_dir()
    result = restore_backup(
        source,
        cli.engine,
        cli.session_factory,
        cli.keyring,
        cli.settings.data_dir,
        principal=cli.principal,
        clock=cli.clock,
        replace=replace,
    )
    report = result.integrity
    console.print(
        f"restored {source} (made {result.manifest.created_at} by {result.manifest.created_by}): "
        f"{result.rows} rows, {result.files} data file(s)",
        highlight=False,
    )
    console.print(
        f"checked: log of {report.tree_size} entries against its newest signed head, "
        f"{report.heads_verified} head signature(s), {report.credentials_verified} credential(s), "
        f"{report.key_files_checked} key file(s), {report.token_keys_checked} key(s) on the token",
        highlight=False,
    )
    if report.uncovered_entries:
        console.print(
            f"{report.uncovered_entries} log entr(y/ies) newer than the newest signed head: "
            "the node signs a head covering them when it starts",
            highlight=False,
        )
    if report.unpublished_key_files:
        console.print(
            f"key files not in the key table (made while the backup ran; never published, never trusted): "
            f"{', '.join(report.unpublished_key_files)}",
            highlight=False,
        )
    if report.token_keys_unchecked:
        err_console.print(
            f"[yellow]warning:[/yellow] {report.token_keys_unchecked} key(s) live in a PKCS#11 token, none "
            "is configured here (KPCS_PKCS11_*): this node cannot sign with them",
            highlight=False,
        )
    if not report.ok:
        for problem in report.problems:
            err_console.print(f"  - {problem}", highlight=False)
        raise KPCSError(f"the restored node failed {len(report.problems)} integrity check(s)")
    console.print("integrity: ok", highlight=False)

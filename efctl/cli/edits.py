"""`efctl expire` and `efctl adopt`: edits of the declaration files, comments and order kept."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.completion import complete_client
from efctl.cli.options import (
    A_FILE,
    A_FOLDER,
    DECLARATIONS,
    EXIT_CHANGES,
    TEXT_OR_JSON,
    command,
    emit,
    pass_app,
)
from efctl.files import write_file
from efctl.render.edits import adoption_markdown, adoption_text, expired_markdown, expired_text

if TYPE_CHECKING:
    from efctl.app import Application

CLIENTS = click.argument("clients", nargs=-1, metavar="[CLIENT]...", shell_complete=complete_client)


@command("expire")
@CLIENTS
@click.option("--write", is_flag=True, help="Delete the expired entries from the files.")
@click.option("--body", type=A_FILE, help="Write a pull-request body (markdown, masked) to FILE.")
@DECLARATIONS
@TEXT_OR_JSON
@pass_app
def expire(
    app: Application,
    clients: tuple[str, ...],
    write: bool,
    body: Path | None,
    paths: tuple[Path, ...],
    fmt: str,
) -> None:
    """List the entries whose `until` has come (as of EFCTL_TODAY, else today); with --write
    delete them from their declarations, keeping comments and order.

    The plan already ignores them; deleting them keeps the files true. Exit 0, or 2 when
    expired entries are left in the files (without --write).
    """
    expired = app.expire(clients, paths, write=write)
    data = expired.as_json()
    if body is not None and expired.files:
        write_file(body, expired_markdown(data))
    emit(data, fmt, lambda: expired_text(data))
    if expired.files and not write:
        sys.exit(EXIT_CHANGES)


@command("adopt")
@CLIENTS
@click.option(
    "--out", type=A_FILE, help="Write the edited declaration to FILE (one CLIENT) instead."
)
@click.option(
    "--bodies",
    type=A_FOLDER,
    help="Write each adopting relationship's pull-request body (markdown, masked) to "
    "DIR/CLIENT.md.",
)
@DECLARATIONS
@TEXT_OR_JSON
@pass_app
def adopt(
    app: Application,
    clients: tuple[str, ...],
    out: Path | None,
    bodies: Path | None,
    paths: tuple[Path, ...],
    fmt: str,
) -> None:
    """Edit the declarations of CLIENT (default: every declared one) to what was changed at the
    bank (its web UI, or the bank itself), naming who changed what and when.

    Only changes the bank's order records (or drift from the last applied plan) show came from
    the bank's side are adopted; the declaration's own changes stay. Afterwards the plan shows
    no change for what was adopted.
    """
    adoptions = app.adopt(clients, paths, out=out)
    data = adoptions.as_json()
    if bodies is not None:
        for client in data["clients"]:
            if client["adopted"]:
                write_file(bodies / f"{client['client']}.md", adoption_markdown(client))
    emit(data, fmt, lambda: adoption_text(data))


COMMANDS = (expire, adopt)

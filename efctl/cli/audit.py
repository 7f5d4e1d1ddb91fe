"""`efctl audit show|verify|export`: the bank's hash-linked audit chain of executed orders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.options import A_FILE, CLIENT, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.orders import audit_text, chain_text

if TYPE_CHECKING:
    from efctl.app import Application

EXIT_BROKEN = 1


@click.group("audit", cls=CommandGroup)
def audit() -> None:
    """The bank's hash-linked audit chain of executed orders: show, verify, export."""


@audit.command("show")
@CLIENT
@TEXT_OR_JSON
@pass_app
def audit_show(app: Application, client: str | None, fmt: str) -> None:
    """List the audit entries by seq.

    Verify the whole chain with `efctl audit verify`.
    """
    listing = app.audit_entries(client)
    emit(listing.entries, fmt, lambda: audit_text(listing.entries, listing.client))


@audit.command("verify")
@click.option(
    "--file",
    "export_file",
    type=A_FILE,
    help="Verify an export (JSON Lines) instead of the bank.",
)
@click.option(
    "--expect-hash",
    metavar="HASH",
    help="A last hash printed by an earlier verify: it must still be in the chain.",
)
@pass_app
def audit_verify(app: Application, export_file: Path | None, expect_hash: str | None) -> None:
    """Check that no audit entry was altered, removed or reordered, and no executed order changed.

    Exit 0 when the chain is intact (its last hash is printed: keep it and pass it as
    --expect-hash next time to detect removed newest entries), 1 naming the first broken entry.
    """
    check = app.audit_verify(export_file, expect_hash)
    click.echo(chain_text(check), nl=False, err=not check.intact)
    if not check.intact:
        sys.exit(EXIT_BROKEN)


@audit.command("export")
@click.option(
    "--out",
    type=A_FILE,
    help="Write to FILE (default: standard output).",
)
@pass_app
def audit_export(app: Application, out: Path | None) -> None:
    """Write the whole audit chain as JSON Lines, for archiving.

    One entry per line in canonical JSON (sorted keys); `efctl audit verify --file` checks it.

    With --out, exit 1 when the exported chain is broken (the file is written all the same).
    """
    exported = app.audit_export(out)
    if out is None:
        click.echo(exported.lines, nl=False)
        return
    check = exported.check
    noun = "entry" if check.entries == 1 else "entries"
    click.echo(f"exported {check.entries} audit {noun} to {out}")
    click.echo(chain_text(check), nl=False, err=not check.intact)
    if not check.intact:
        sys.exit(EXIT_BROKEN)


COMMANDS = (audit,)

"""The commands about the bank's own record: `efctl orders` and `efctl audit`.

Registered on the main group in efctl/cli.py, whose error handling they share: a refusal by the
bank is an EfctlError, printed as one message with its hint, exit 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from efctl.app import Workspace
from efctl.app.audit import audit_entries, bank_export, verify_bank, verify_file, write_export
from efctl.app.orders import approve_order, pending_orders
from efctl.render.orders import approval_text, audit_text, chain_text, orders_text

EXIT_BROKEN = 1

CLIENT = click.option("--client", metavar="ID", help="Only this relationship.")
TEXT_OR_JSON = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _emit(data, fmt: str, text: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text, nl=False)


@click.group("orders")
def orders() -> None:
    """Pending orders at the bank: list them, check and authorise them (four eyes)."""


@orders.command("list")
@CLIENT
@TEXT_OR_JSON
@click.pass_obj
def orders_list(ws: Workspace, client: str | None, fmt: str) -> None:
    """List the orders waiting for a further admin.

    Orders from apply and orders made in the bank's web UI alike. For each: who made it,
    who checked it so far, what the four-eyes rule still needs, who may authorise it, and
    its changes.
    """
    listing = pending_orders(ws, client)
    _emit(listing, fmt, orders_text(listing, client and client.replace(" ", "")))


@orders.command("approve")
@click.argument("order_id", metavar="ORDER")
@click.option("--as", "user", required=True, metavar="USER", help="Your e-finance user id.")
@click.pass_obj
def orders_approve(ws: Workspace, order_id: str, user: str) -> None:
    """Check and authorise ORDER as USER (four eyes).

    USER is an admin of the order's relationship who did not make it. The bank executes the
    order once the four-eyes rule holds; until then it stays pending. Exit 1 when the bank
    refuses: the maker, no admin, already authorised, or a relationship that changed since
    the order was made (the order is then rejected for good).
    """
    click.echo(approval_text(approve_order(ws, order_id, user)), nl=False)


@click.group("audit")
def audit() -> None:
    """The bank's hash-linked audit chain of executed orders: show, verify, export."""


@audit.command("show")
@CLIENT
@TEXT_OR_JSON
@click.pass_obj
def audit_show(ws: Workspace, client: str | None, fmt: str) -> None:
    """List the audit entries by seq.

    Verify the whole chain with `efctl audit verify`.
    """
    entries = audit_entries(ws, client)
    _emit(entries, fmt, audit_text(entries, client and client.replace(" ", "")))


@audit.command("verify")
@click.option(
    "--file",
    "export_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Verify an export (JSON Lines) instead of the bank.",
)
@click.option(
    "--expect-hash",
    metavar="HASH",
    help="A last hash printed by an earlier verify: it must still be in the chain.",
)
@click.pass_obj
def audit_verify(ws: Workspace, export_file: Path | None, expect_hash: str | None) -> None:
    """Check that no audit entry was altered, removed or reordered.

    Exit 0 when the chain is intact (its last hash is printed: keep it and pass it as
    --expect-hash next time to detect removed newest entries), 1 naming the first broken entry.
    """
    check = verify_file(export_file, expect_hash) if export_file else verify_bank(ws, expect_hash)
    click.echo(chain_text(check), nl=False, err=not check.intact)
    if not check.intact:
        sys.exit(EXIT_BROKEN)


@audit.command("export")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE (default: standard output).",
)
@click.pass_obj
def audit_export(ws: Workspace, out: Path | None) -> None:
    """Write the whole audit chain as JSON Lines, for archiving.

    One entry per line in canonical JSON (sorted keys); `efctl audit verify --file` checks it.

    With --out, exit 1 when the exported chain is broken (the file is written all the same).
    """
    if out is None:
        click.echo(bank_export(ws), nl=False)
        return
    check = write_export(ws, out)
    noun = "entry" if check.entries == 1 else "entries"
    click.echo(f"exported {check.entries} audit {noun} to {out}")
    click.echo(chain_text(check), nl=False, err=not check.intact)
    if not check.intact:
        sys.exit(EXIT_BROKEN)

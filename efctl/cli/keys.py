"""`efctl keys list|check`: the bank's API keys for Billing Solutions and their expiry."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from efctl.cli.options import EXIT_CHANGES, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.keys import keys_text

if TYPE_CHECKING:
    from efctl.app import Application

CLIENTS = click.option(
    "--client", "clients", metavar="ID", multiple=True, help="Only this relationship (repeatable)."
)
WITHIN = click.option(
    "--within",
    metavar="DAYS",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Keys expiring within this many days count as expiring.",
)


@click.group("keys", cls=CommandGroup)
def keys() -> None:
    """API keys for Billing Solutions: name, user, fingerprint, expiry (never a secret)."""


@keys.command("list")
@CLIENTS
@WITHIN
@TEXT_OR_JSON
@pass_app
def keys_list(app: Application, clients: tuple[str, ...], within: int, fmt: str) -> None:
    """List every API key the bank holds, with its days left."""
    listing = app.keys(clients, within).as_json()
    emit(listing, fmt, lambda: keys_text(listing))


@keys.command("check")
@CLIENTS
@WITHIN
@TEXT_OR_JSON
@pass_app
def keys_check(app: Application, clients: tuple[str, ...], within: int, fmt: str) -> None:
    """Exit 2 when any API key expires within DAYS (default 30), else 0.

    A key expiring within the catalog's rotate_before_days is rotated by the next plan."""
    listing = app.keys(clients, within)
    shown = listing.as_json()
    emit(shown, fmt, lambda: keys_text(shown, check=True))
    if listing.expiring:
        sys.exit(EXIT_CHANGES)


COMMANDS = (keys,)

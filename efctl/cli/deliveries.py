"""`efctl deliveries list`: the bank's deliveries and where each stands in the ISO change."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from efctl.cli.options import CLIENT, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.deliveries import deliveries_text

if TYPE_CHECKING:
    from efctl.app import Application


@click.group("deliveries", cls=CommandGroup)
def deliveries() -> None:
    """The bank's standing document flows (camt messages, PDF statements)."""


@deliveries.command("list")
@CLIENT
@TEXT_OR_JSON
@pass_app
def deliveries_list(app: Application, client: str | None, fmt: str) -> None:
    """List every delivery of the bank's relationships.

    For each: contract, kind, channel, frequency, ISO version with the full message identifier
    (camt.053 on 2019 is camt.053.001.08), and whether it is still in the parallel phase or
    was switched automatically by the bank, and on which day.
    """
    listing = app.deliveries(client).as_json()
    emit(listing, fmt, lambda: deliveries_text(listing))


COMMANDS = (deliveries,)

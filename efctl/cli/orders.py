"""`efctl orders list|approve`: the bank's pending orders and its "check and authorise"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from efctl.cli.options import CLIENT, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.orders import approval_text, orders_text

if TYPE_CHECKING:
    from efctl.app import Application


@click.group("orders", cls=CommandGroup)
def orders() -> None:
    """Pending orders at the bank: list them, check and authorise them (four eyes)."""


@orders.command("list")
@CLIENT
@TEXT_OR_JSON
@pass_app
def orders_list(app: Application, client: str | None, fmt: str) -> None:
    """List the orders waiting for a further admin.

    Orders from apply and orders made in the bank's web UI alike. For each: who made it,
    who checked it so far, what the four-eyes rule still needs, who may authorise it, and
    its changes.
    """
    listing = app.orders(client)
    emit(listing.orders, fmt, lambda: orders_text(listing.orders, listing.client))


@orders.command("approve")
@click.argument("order_id", metavar="ORDER")
@click.option("--as", "user", required=True, metavar="USER", help="Your e-finance user id.")
@pass_app
def orders_approve(app: Application, order_id: str, user: str) -> None:
    """Check and authorise ORDER as USER (four eyes).

    USER is an admin of the order's relationship who did not make it. The bank executes the
    order once the four-eyes rule holds; until then it stays pending. Exit 1 when the bank
    refuses: the maker, no admin, already authorised, or a relationship that changed since
    the order was made (the order is then rejected for good).
    """
    click.echo(approval_text(app.approve_order(order_id, user).as_json()), nl=False)


COMMANDS = (orders,)

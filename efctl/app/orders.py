"""`efctl orders`: the bank's pending orders, and the web UI's "check and authorise".

An order waits at the bank while its four-eyes rule does not hold (DOMAIN.md section 5), whether
it came from an apply or was made in the bank's web UI. Listing says, per order, what the rule
still needs and which admins could give it; authorising is the bank's own step, so every refusal
(the maker, a non-admin, a second authorisation, a relationship that moved on) is the bank's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from efctl.app.bankview import BankView
from efctl.declarations.convert import normalise_client_id
from efctl.sandbox.rules import four_eyes_missing
from reconcile.backend import Backend, PendingOrder
from reconcile.model import AdminRight, ClientState


@dataclass(frozen=True)
class OrderListing:
    client: str | None  # the relationship asked for, None for all
    orders: list[dict[str, Any]]  # in the bank's order, each as JSON


@dataclass(frozen=True)
class OrderApproval:
    order: str
    client: str
    user: str
    status: str
    serial: int | None
    missing: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(vars(self))


def pending_orders(bank: BankView, client: str | None = None) -> OrderListing:
    """The pending orders of one relationship or of all, in the bank's order."""
    if client is not None:
        client = normalise_client_id(client)
        bank.require(client)
    orders = bank.bank.pending_orders(client)
    return OrderListing(
        client,
        [_order_json(pending, bank.read_client(pending.order.client)) for pending in orders],
    )


def approve_order(bank: Backend, order_id: str, user: str) -> OrderApproval:
    """``user`` checks and authorises the order; the bank executes it once four eyes hold.

    The bank's refusals (and a relationship that moved past the order's serial, which rejects
    the order for good) are EfctlErrors that name the reason.
    """
    outcome = bank.approve_order(order_id, user)
    return OrderApproval(
        order=outcome.order_id,
        client=outcome.client,
        user=user,
        status=outcome.status.value,
        serial=outcome.serial,
        missing=outcome.missing,
    )


def _order_json(pending: PendingOrder, state: ClientState) -> dict[str, Any]:
    order = pending.order
    rights = {user.id: user.admin for user in state.users}
    return {
        "id": pending.id,
        "client": order.client,
        "name": state.name,
        "created": pending.created_at,
        "base_serial": order.base_serial,
        "serial": state.serial,
        "plan_id": order.plan_id,
        "commit": order.commit,
        "maker": order.maker,
        "checkers": list(order.checkers),
        "missing": four_eyes_missing(order.maker, order.checkers, rights),
        "may_authorise": [
            {"user": user, "admin": admin}
            for user, admin in rights.items()
            if admin is not AdminRight.NONE and user != order.maker and user not in order.checkers
        ],
        "changes": [change.to_json() for change in order.changes],
    }

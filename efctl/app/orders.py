"""`efctl orders`: the bank's pending orders, and the web UI's "check and authorise".

An order waits at the bank while its four-eyes rule does not hold (DOMAIN.md section 5), whether
it came from an apply or was made in the bank's web UI. Listing says, per order, what the rule
still needs and which admins could give it; authorising is the bank's own step, so every refusal
(the maker, a non-admin, a second authorisation, a relationship that moved on) is the bank's.
"""

from __future__ import annotations

from typing import Any

from efctl.errors import EfctlError
from efctl.sandbox.rules import four_eyes_missing
from reconcile.backend import PendingOrder
from reconcile.model import AdminRight, ClientState


def pending_orders(workspace, client: str | None = None) -> list[dict[str, Any]]:
    """The pending orders of one relationship or of all, in the bank's order, as JSON."""
    bank = workspace.bank
    if client is not None:
        client = client.replace(" ", "")
        if bank.read_client(client) is None:
            raise EfctlError(
                f"there is no client relationship {client} at the bank",
                hint=f"relationships at the bank: {', '.join(bank.list_clients()) or 'none'}",
            )
    orders = bank.pending_orders(client)
    states = {c: bank.read_client(c) for c in dict.fromkeys(o.order.client for o in orders)}
    return [_order_json(pending, states[pending.order.client]) for pending in orders]


def approve_order(workspace, order_id: str, user: str) -> dict[str, Any]:
    """``user`` checks and authorises the order; the bank executes it once four eyes hold.

    The bank's refusals (and a relationship that moved past the order's serial, which rejects
    the order for good) are EfctlErrors that name the reason.
    """
    outcome = workspace.bank.approve_order(order_id, user)
    return {
        "order": outcome.order_id,
        "client": outcome.client,
        "user": user,
        "status": outcome.status.value,
        "serial": outcome.serial,
        "missing": outcome.missing,
    }


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

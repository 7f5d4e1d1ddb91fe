"""The bank's side of orders as a terminal shows it: pending orders, an authorisation's result,
the audit chain and its verification. Each renders from the JSON its command also prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from efctl.render.plan_text import describe
from reconcile.isochange import BANK_MAKER
from reconcile.plan import Address, Change

SHORT_HASH = len("sha256:") + 12
LABEL_WIDTH = 15


def orders_text(orders: Sequence[Mapping[str, Any]], client: str | None = None) -> str:
    if not orders:
        where = f"for relationship {client}" if client else "at the bank"
        return f"No pending orders {where}.\n"
    noun = "order" if len(orders) == 1 else "orders"
    blocks = [f"{len(orders)} pending {noun} at the bank"]
    blocks += [_order_block(order) for order in orders]
    return "\n\n".join(blocks) + "\n"


def approval_text(result: Mapping[str, Any]) -> str:
    order, user = result["order"], result["user"]
    if result["status"] == "executed":
        return (
            f"order {order} executed (authorised by {user}): relationship {result['client']}"
            f" is at serial {result['serial']} now\n"
        )
    return (
        f"order {order} authorised by {user}; still pending at the bank: it needs"
        f" {result['missing']}\n"
    )


def audit_text(entries: Sequence[Mapping[str, Any]], client: str | None = None) -> str:
    if not entries:
        if client:
            return f"No audit entries for relationship {client}.\n"
        return "The audit chain is empty: the bank has executed no order yet.\n"
    rows = [("seq", "at", "client", "maker", "checkers", "plan", "hash")]
    rows += [
        (
            str(e["seq"]),
            e["at"],
            e["client"],
            e["maker"],
            ", ".join(e["checkers"]) or "-",
            _short(e["plan_id"]) if e["plan_id"] else _origin(e["maker"]),
            _short(e["hash"]),
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


def _origin(maker: str) -> str:
    """Where an order without a plan came from: the bank's own batch, or the web UI."""
    return "bank" if maker == BANK_MAKER else "web UI"


def chain_text(check) -> str:
    """One line: intact with its length and last hash, or where and why it breaks."""
    if check.broken and check.broken.of_order:
        return f"{check.broken.reason}\n"  # the chain holds; the reason names entry and order
    if check.broken:
        at = "" if check.broken.seq is None else f" at seq {check.broken.seq}"
        return f"audit chain broken{at}: {check.broken.reason}\n"
    noun = "entry" if check.entries == 1 else "entries"
    last = f", last hash {check.last_hash}" if check.last_hash else ""
    text = f"audit chain intact: {check.entries} {noun}{last}\n"
    if not check.orders_checked and check.entries:
        text += (
            "the orders were not checked: an export carries their digests but not the orders;"
            " `efctl audit verify` against the bank checks them\n"
        )
    return text


def change_line(change: Mapping[str, Any]) -> str:
    """One change of an order in a line: ``+ bruno.keller on EB-1: read``."""
    address = Address.parse(change["address"])
    view = describe(Change.from_json(change), address)
    match change["resource"]:
        case "user":
            subject = f"user {address.user}"
        case "authorization":
            subject = f"{address.user} on {address.contract}"
        case "delivery":
            subject = f"delivery {address.delivery}"
        case _:
            subject = change["address"]
    return f"{view.symbol} {subject}: {view.detail}"


def _order_block(order: Mapping[str, Any]) -> str:
    source = (
        f"from plan {_short(order['plan_id'])}"
        + (f" (commit {order['commit']})" if order["commit"] else "")
        if order["plan_id"]
        else "in the web UI"
    )
    lines = [
        f"{order['id']}  relationship {order['client']} ({order['name']})",
        _labelled("made", f"{order['created']} by {order['maker']} {source}"),
        _labelled("checked by", ", ".join(order["checkers"]) or "nobody yet"),
        _labelled(
            "needs", order["missing"] or "nothing more: the next admin to authorise executes it"
        ),
        _labelled(
            "may authorise",
            ", ".join(f"{a['user']} ({a['admin']})" for a in order["may_authorise"])
            or "no admin of the relationship is left to authorise it",
        ),
    ]
    if order["serial"] != order["base_serial"]:
        lines.append(
            _labelled(
                "stale",
                f"based on serial {order['base_serial']}, the relationship is at serial"
                f" {order['serial']} now: the bank rejects it once authorised",
            )
        )
    changes = [change_line(change) for change in order["changes"]]
    lines.append(_labelled("changes", changes[0]))
    lines += [" " * (2 + LABEL_WIDTH) + line for line in changes[1:]]
    return "\n".join(lines)


def _labelled(label: str, text: str) -> str:
    return f"  {label.ljust(LABEL_WIDTH)}{text}"


def _short(digest: str) -> str:
    return digest[:SHORT_HASH] + "…" if len(digest) > SHORT_HASH else digest

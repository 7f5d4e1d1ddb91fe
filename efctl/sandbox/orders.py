"""The sandbox bank's write side: orders, the bank's own four-eyes check, atomic execution, audit.

Every order runs in ONE write transaction that first locks its relationship's row (SELECT ...
FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE locks the whole SQLite file), so that the serial it
checks is the serial it bumps. Whatever fails inside - a stale serial, a refused change, the
database itself - rolls the whole transaction back: a relationship is never half changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from efctl.sandbox.changes import (
    USER_FIELDS,
    Holdings,
    execution_order,
    inapplicable,
    order_problems,
)
from efctl.sandbox.errors import OrderRefused, SandboxError, StaleOrderError
from efctl.sandbox.rules import four_eyes_missing
from efctl.sandbox.sql import Database
from reconcile.audit import AuditEntry, chained_entry
from reconcile.backend import GITHUB_PREFIX, Order, OrderOutcome, OrderStatus, PendingOrder
from reconcile.isochange import BANK_MAKER, LABEL, switch_change
from reconcile.model import AdminRight, Delivery
from reconcile.plan import Action, Address, Change, Resource, canonical_json

ORDER_COLUMNS = (
    "id",
    "client_id",
    "status",
    "base_serial",
    "plan_id",
    "commit_sha",
    "maker",
    "checkers",
    "changes",
    "created_at",
)
AUDIT_COLUMNS = (
    "seq",
    "client_id",
    "order_id",
    "at",
    "plan_id",
    "commit_sha",
    "maker",
    "checkers",
    "changes_digest",
    "prev_hash",
    "hash",
)

Clock = Callable[[], datetime]

SWITCH_COLUMNS = ("id", "contract_id", "kind", "iso_version", "channel", "frequency", "variant")


@dataclass(frozen=True)
class Switched:
    """One relationship's part of the automatic ISO version change: the bank's executed order."""

    order_id: str
    client: str
    serial: int  # the relationship's serial after the switch
    deliveries: tuple[Delivery, ...]  # as they were before: each one's old ISO version
    iso_version: str  # the version they are on now
    on: date


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_text(moment: datetime | str) -> str:
    """A moment as UTC ISO 8601 to the second; PostgreSQL returns datetimes, SQLite text."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class OrderDesk:
    """Takes, authorises and executes orders; reads orders and the audit chain."""

    def __init__(self, database: Database, clock: Clock):
        self._db = database
        self._clock = clock

    # --- writing --------------------------------------------------------------------------

    def submit(self, order: Order) -> OrderOutcome:
        """See :meth:`reconcile.backend.Backend.submit_order`.

        Refused (OrderRefused, nothing written): an order without changes; manual changes,
        Admin rights and API keys (the caller filters them out); changes that do not apply
        to the relationship; a maker or checker who is neither a user of the relationship nor
        ``github:<login>``; a plan already pending or executed for the relationship.
        """
        if not order.changes:
            raise OrderRefused(f"the order for relationship {order.client} has no changes")
        _refuse_if_any(
            order.client,
            order_problems(order.client, order.changes),
            hint="manual changes, Admin rights and API keys are not part of an order",
        )
        now = utc_text(self._clock())
        with self._db.transaction(write=True):
            serial = self._lock(order.client)
            if serial != order.base_serial:
                raise StaleOrderError(order.client, order.base_serial, serial)
            self._refuse_resubmission(order)
            admin_rights, holdings = self._relationship(order.client)
            strangers = [
                person
                for person in dict.fromkeys((order.maker, *order.checkers))
                if person not in admin_rights and not person.startswith(GITHUB_PREFIX)
            ]
            if strangers:
                raise OrderRefused(
                    f"{_quoted(strangers)} {'is' if len(strangers) == 1 else 'are'} no user of "
                    f"relationship {order.client}",
                    hint=f"name people who are no user there as {GITHUB_PREFIX}<login>",
                )
            _refuse_if_any(order.client, inapplicable(order.changes, holdings))
            checkers = tuple(dict.fromkeys(c for c in order.checkers if c != order.maker))
            order = replace(order, checkers=checkers)
            order_id = self._next_id(order.client)
            missing = four_eyes_missing(order.maker, checkers, admin_rights)
            if missing:
                self._insert(order_id, order, OrderStatus.PENDING, now)
                return OrderOutcome(order_id, order.client, OrderStatus.PENDING, serial, missing)
            self._insert(order_id, order, OrderStatus.EXECUTED, now, serial_after=serial + 1)
            self._execute(order_id, order, now)
        return OrderOutcome(order_id, order.client, OrderStatus.EXECUTED, serial + 1)

    def approve(self, order_id: str, user: str) -> OrderOutcome:
        """See :meth:`reconcile.backend.Backend.approve_order`.

        Only admins of the order's relationship check and authorise, each once, never the
        maker. Once the four-eyes rule holds, a relationship that moved past the order's base
        serial rejects the order for good (recorded) and raises StaleOrderError.
        """
        stale: StaleOrderError | None = None
        with self._db.transaction(write=True):
            found = self._db.query("SELECT client_id FROM orders WHERE id = ?", (order_id,))
            if not found:
                raise OrderRefused(f"there is no order {order_id} at the bank")
            client = found[0][0]
            serial = self._lock(client)
            status, order = self._read_order(order_id)
            if status != OrderStatus.PENDING:
                raise OrderRefused(f"order {order_id} is {status}, not pending")
            admin_rights, holdings = self._relationship(client)
            _refuse_checker(order_id, order, user, admin_rights)
            order = replace(order, checkers=(*order.checkers, user))
            missing = four_eyes_missing(order.maker, order.checkers, admin_rights)
            if missing:
                self._update(order_id, order, OrderStatus.PENDING)
                return OrderOutcome(order_id, client, OrderStatus.PENDING, serial, missing)
            if serial != order.base_serial:
                stale = StaleOrderError(
                    client,
                    order.base_serial,
                    serial,
                    hint=f"order {order_id} is rejected; order the change again from a fresh plan",
                )
                self._update(order_id, order, OrderStatus.REJECTED, reason=stale.message)
            else:
                _refuse_if_any(client, inapplicable(order.changes, holdings))
                now = utc_text(self._clock())
                self._update(
                    order_id, order, OrderStatus.EXECUTED, now=now, serial_after=serial + 1
                )
                self._execute(order_id, order, now)
        if stale:
            raise stale
        return OrderOutcome(order_id, client, OrderStatus.EXECUTED, serial + 1)

    def automatic_iso_change(self, newest: str, on: date) -> list[Switched]:
        """The bank switches every camt delivery not on ``newest`` to it, on the day ``on``.

        One executed order per relationship, made by the bank (maker BANK_MAKER, no checkers,
        reason LABEL), each in its own write transaction that first locks the relationship, as
        every order does, and bumps its serial and appends to the audit chain. What is still to
        switch is read again under that lock, so two processes switching at once switch each
        delivery once: the second finds nothing left. Nothing to switch writes nothing.
        """
        wanted = "iso_version IS NOT NULL AND iso_version <> ?"
        clients = self._db.query(
            f"SELECT DISTINCT client_id FROM deliveries WHERE {wanted}", (newest,)
        )
        switched: list[Switched] = []
        for client in sorted(client for (client,) in clients):
            with self._db.transaction(write=True):
                serial = self._lock(client)
                rows = self._db.query(
                    f"SELECT {', '.join(SWITCH_COLUMNS)} FROM deliveries"
                    f" WHERE client_id = ? AND {wanted} ORDER BY id",
                    (client, newest),
                )
                if not rows:
                    continue  # another process switched them meanwhile
                deliveries = tuple(Delivery(*row) for row in rows)
                order = Order(
                    client=client,
                    base_serial=serial,
                    plan_id=None,
                    commit=None,
                    maker=BANK_MAKER,
                    checkers=(),
                    changes=tuple(switch_change(client, d, newest, on) for d in deliveries),
                )
                order_id = self._next_id(client)
                now = utc_text(self._clock())
                self._insert(
                    order_id, order, OrderStatus.EXECUTED, now,
                    serial_after=serial + 1, reason=LABEL,
                )  # fmt: skip
                for delivery in deliveries:
                    self._db.execute(
                        "UPDATE deliveries SET iso_version = ?, switched_on = ?,"
                        " switched_from = ? WHERE client_id = ? AND id = ?",
                        (newest, on.isoformat(), delivery.iso_version, client, delivery.id),
                    )
                self._db.execute("UPDATE clients SET serial = serial + 1 WHERE id = ?", (client,))
                self._append_audit(order_id, order, now)
            switched.append(Switched(order_id, client, serial + 1, deliveries, newest, on))
        return switched

    def insert_pending(self, pending: PendingOrder) -> None:
        """A pending order as made in the web UI (seeding); no check, the seed was checked."""
        self._insert(pending.id, pending.order, OrderStatus.PENDING, pending.created_at)

    # --- reading --------------------------------------------------------------------------

    def pending(self, client_id: str | None = None) -> list[PendingOrder]:
        where, params = _of_client(client_id)
        rows = self._db.query(
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE status = 'pending'{where}"
            " ORDER BY client_id, created_at, id",
            params,
        )
        return [_pending_order(row) for row in rows]

    def applied_plan(self, client_id: str, plan_id: str) -> str | None:
        rows = self._db.query(
            "SELECT id FROM orders WHERE client_id = ? AND plan_id = ? AND status = 'executed'",
            (client_id, plan_id),
        )
        return rows[0][0] if rows else None

    def last_applied_values(self, client_id: str) -> dict[str, Mapping[str, Any] | None]:
        """Per address, what the executed plans last set; None where they deleted it (a user
        delete also ends every right of that user that a plan had set). Web-UI orders (no plan)
        are left out: what they change is exactly the drift a plan must label."""
        rows = self._db.query(
            "SELECT changes FROM orders WHERE client_id = ? AND plan_id IS NOT NULL"
            " AND status = 'executed' ORDER BY serial_after",
            (client_id,),
        )
        values: dict[str, Mapping[str, Any] | None] = {}
        for (changes,) in rows:
            for _, change in execution_order(_changes(changes)):
                if change.action is not Action.DELETE:
                    values[change.address] = {**(values.get(change.address) or {}), **change.after}
                    continue
                values[change.address] = None
                if change.resource is Resource.USER:
                    prefix = change.address + "/"
                    values |= {address: None for address in values if address.startswith(prefix)}
        return values

    def audit_entries(self, client_id: str | None = None) -> list[AuditEntry]:
        """The audit chain by seq; only the unfiltered chain can be verified."""
        where, params = _of_client(client_id)
        rows = self._db.query(
            f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE 1 = 1{where} ORDER BY seq",
            params,
        )
        return [_audit_entry(row) for row in rows]

    def stored_changes(self) -> dict[str, str]:
        """Every order's changes as stored (JSON text), by order id: what the audit binds."""
        return dict(self._db.query("SELECT id, changes FROM orders"))

    # --- inside ---------------------------------------------------------------------------

    def _lock(self, client: str) -> int:
        """The relationship's serial, its row locked until the transaction ends."""
        rows = self._db.query(
            f"SELECT serial FROM clients WHERE id = ?{self._db.dialect.for_update}", (client,)
        )
        if not rows:
            raise OrderRefused(f"there is no client relationship {client} at the bank")
        return rows[0][0]

    def _relationship(self, client: str) -> tuple[dict[str, AdminRight], Holdings]:
        """The users' Admin rights and what the order's changes may refer to."""
        query = self._db.query
        users = {
            user: AdminRight(admin)
            for user, admin in query("SELECT id, admin FROM users WHERE client_id = ?", (client,))
        }
        holdings = Holdings(
            users=set(users),
            rights=set(
                query(
                    "SELECT user_id, contract_id FROM authorizations WHERE client_id = ?", (client,)
                )
            ),
            contracts={
                i for (i,) in query("SELECT id FROM contracts WHERE client_id = ?", (client,))
            },
            deliveries={
                delivery: iso is not None
                for delivery, iso in query(
                    "SELECT id, iso_version FROM deliveries WHERE client_id = ?", (client,)
                )
            },
        )
        return users, holdings

    def _refuse_resubmission(self, order: Order) -> None:
        if order.plan_id is None:
            return
        rows = self._db.query(
            "SELECT id, status FROM orders"
            " WHERE client_id = ? AND plan_id = ? AND status IN ('pending', 'executed')",
            (order.client, order.plan_id),
        )
        if rows:
            order_id, status = rows[0]
            raise OrderRefused(
                f"plan {order.plan_id} is already at the bank for relationship {order.client}"
                f" as {status} order {order_id}",
                hint=(
                    f"a further admin authorises it: `efctl orders approve {order_id} --as USER`"
                    if status == OrderStatus.PENDING
                    else None
                ),
            )

    def _next_id(self, client: str) -> str:
        """``<client>-<n>`` for the relationship's n-th order; seeded ids start with a letter."""
        ((count,),) = self._db.query("SELECT COUNT(*) FROM orders WHERE client_id = ?", (client,))
        return f"{client}-{count + 1}"

    def _insert(
        self,
        order_id: str,
        order: Order,
        status: OrderStatus,
        created_at: str,
        *,
        serial_after: int | None = None,
        reason: str | None = None,
    ) -> None:
        executed_at = created_at if status is OrderStatus.EXECUTED else None
        self._db.insert_many(
            "orders",
            (*ORDER_COLUMNS, "executed_at", "serial_after", "reason"),
            [
                (
                    order_id,
                    order.client,
                    status.value,
                    order.base_serial,
                    order.plan_id,
                    order.commit,
                    order.maker,
                    json.dumps(list(order.checkers)),
                    _changes_json(order.changes),
                    created_at,
                    executed_at,
                    serial_after,
                    reason,
                )
            ],
        )

    def _update(
        self,
        order_id: str,
        order: Order,
        status: OrderStatus,
        *,
        now: str | None = None,
        serial_after: int | None = None,
        reason: str | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE orders SET status = ?, checkers = ?, executed_at = ?, serial_after = ?,"
            " reason = ? WHERE id = ?",
            (
                status.value,
                json.dumps(list(order.checkers)),
                now,
                serial_after,
                reason,
                order_id,
            ),
        )

    def _read_order(self, order_id: str) -> tuple[str, Order]:
        """The order's status and the order as it stands (its checkers so far)."""
        (row,) = self._db.query(
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE id = ?", (order_id,)
        )
        return row[ORDER_COLUMNS.index("status")], _pending_order(row).order

    def _execute(self, order_id: str, order: Order, now: str) -> None:
        """Carry out the changes in the bank's sequence, bump the serial, append to the audit."""
        for index, change in execution_order(order.changes):
            try:
                self._carry_out(order.client, change)
            except SandboxError as exc:
                raise SandboxError(
                    f"{exc.message} (at change {index + 1} ({change.address}) of the order for"
                    f" relationship {order.client}; nothing of the order was executed)"
                ) from exc
        self._db.execute("UPDATE clients SET serial = serial + 1 WHERE id = ?", (order.client,))
        self._append_audit(order_id, order, now)

    def _carry_out(self, client: str, change: Change) -> None:
        address = Address.parse(change.address)
        user, contract = address.user, address.contract
        after = change.after or {}
        match change.resource, change.action:
            case Resource.USER, Action.CREATE:
                self._db.execute(
                    "INSERT INTO users (client_id, id, name, email, language, github, admin)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        client,
                        user,
                        after["name"],
                        after.get("email"),
                        after["language"],
                        after.get("github"),
                        AdminRight.NONE,  # given only on the bank's paper form
                    ),
                )
            case Resource.USER, Action.UPDATE:
                fields = [name for name in USER_FIELDS if name in after]
                self._db.execute(
                    f"UPDATE users SET {', '.join(f'{name} = ?' for name in fields)}"
                    " WHERE client_id = ? AND id = ?",
                    (*(after[name] for name in fields), client, user),
                )
            case Resource.USER, Action.DELETE:
                # The user's API keys go with the user (ON DELETE CASCADE), as at the bank.
                self._db.execute(
                    "DELETE FROM authorizations WHERE client_id = ? AND user_id = ?", (client, user)
                )
                self._db.execute("DELETE FROM users WHERE client_id = ? AND id = ?", (client, user))
            case Resource.SIGNING_KEY, _:
                self._db.execute(
                    "UPDATE users SET signing_key = ? WHERE client_id = ? AND id = ?",
                    (after.get("public_key"), client, user),
                )
            case Resource.AUTHORIZATION, Action.CREATE:
                self._db.execute(
                    "INSERT INTO authorizations (client_id, user_id, contract_id, profile)"
                    " VALUES (?, ?, ?, ?)",
                    (client, user, contract, after["profile"]),
                )
            case Resource.AUTHORIZATION, Action.UPDATE:
                self._db.execute(
                    "UPDATE authorizations SET profile = ?"
                    " WHERE client_id = ? AND user_id = ? AND contract_id = ?",
                    (after["profile"], client, user, contract),
                )
            case Resource.AUTHORIZATION, Action.DELETE:
                self._db.execute(
                    "DELETE FROM authorizations"
                    " WHERE client_id = ? AND user_id = ? AND contract_id = ?",
                    (client, user, contract),
                )
            case Resource.DELIVERY, Action.UPDATE:
                # The customer's own choice again: no longer what the bank switched.
                self._db.execute(
                    "UPDATE deliveries SET iso_version = ?, switched_on = NULL,"
                    " switched_from = NULL WHERE client_id = ? AND id = ?",
                    (after["iso_version"], client, address.delivery),
                )

    def _append_audit(self, order_id: str, order: Order, now: str) -> None:
        if self._db.dialect.lock_audit:
            self._db.execute(self._db.dialect.lock_audit)
        rows = self._db.query(
            f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit ORDER BY seq DESC LIMIT 1"
        )
        entry = chained_entry(
            _audit_entry(rows[0]) if rows else None,
            client=order.client,
            order_id=order_id,
            at=now,
            plan_id=order.plan_id,
            commit=order.commit,
            maker=order.maker,
            checkers=order.checkers,
            changes=order.changes,
        )
        self._db.insert_many(
            "audit",
            AUDIT_COLUMNS,
            [
                (
                    entry.seq,
                    entry.client,
                    entry.order_id,
                    entry.at,
                    entry.plan_id,
                    entry.commit,
                    entry.maker,
                    json.dumps(list(entry.checkers)),
                    entry.changes_digest,
                    entry.prev_hash,
                    entry.hash,
                )
            ],
        )


def _refuse_checker(
    order_id: str, order: Order, user: str, admin_rights: Mapping[str, AdminRight]
) -> None:
    """Why ``user`` may not check and authorise the order, raised; nothing when they may."""
    if user not in admin_rights:
        raise OrderRefused(f"'{user}' is no user of relationship {order.client}")
    if user == order.maker:
        raise OrderRefused(
            f"'{user}' made order {order_id} and cannot also check it",
            hint="four eyes: another admin of the relationship authorises it",
        )
    if user in order.checkers:
        raise OrderRefused(f"'{user}' has already authorised order {order_id}")
    if admin_rights[user] is AdminRight.NONE:
        raise OrderRefused(
            f"'{user}' holds no Admin right in relationship {order.client}; only admins"
            " authorise orders"
        )


def _refuse_if_any(
    client: str, problems: Sequence[tuple[int, str]], hint: str | None = None
) -> None:
    if problems:
        lines = "\n".join(f"  {problem}" for _, problem in problems)
        raise OrderRefused(
            f"the bank refuses the order for relationship {client}:\n{lines}", hint=hint
        )


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _of_client(client_id: str | None) -> tuple[str, tuple]:
    return ("", ()) if client_id is None else (" AND client_id = ?", (client_id,))


def _changes_json(changes: Sequence[Change]) -> str:
    return canonical_json([change.to_json() for change in changes])


def _changes(text: str) -> tuple[Change, ...]:
    return tuple(Change.from_json(item) for item in json.loads(text))


def _pending_order(row: Sequence) -> PendingOrder:
    order_id, client, _, base_serial, plan_id, commit, maker, checkers, changes, created = row
    return PendingOrder(
        id=order_id,
        created_at=utc_text(created),
        order=Order(
            client=client,
            base_serial=base_serial,
            plan_id=plan_id,
            commit=commit,
            maker=maker,
            checkers=tuple(json.loads(checkers)),
            changes=_changes(changes),
        ),
    )


def _audit_entry(row: Sequence) -> AuditEntry:
    seq, client, order_id, at, plan_id, commit, maker, checkers, digest, prev_hash, hash_ = row
    return AuditEntry(
        seq=seq,
        client=client,
        order_id=order_id,
        at=utc_text(at),
        plan_id=plan_id,
        commit=commit,
        maker=maker,
        checkers=tuple(json.loads(checkers)),
        changes_digest=digest,
        prev_hash=prev_hash,
        hash=hash_,
    )

"""The protocol through which the engine sees a bank: the sandbox today, a bank API later.

Reading is one relationship at a time. Writing is one **order** per relationship: the bank
executes it whole or not at all, only when it still is at the serial the plan was made at, and
only when its own four-eyes rule holds; otherwise the order waits as pending.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from reconcile.model import ClientState
from reconcile.plan import Change

GITHUB_PREFIX = "github:"  # names someone known only by a GitHub login: no user, never an admin


class BackendError(Exception):
    """The bank could not do what was asked; the relationship is as it was before."""


class StaleOrder(BackendError):
    """The relationship changed at the bank after the plan was made (its serial moved)."""

    expected_serial: int
    actual_serial: int


class RelationshipBusy(BackendError):
    """Another apply holds the relationship (see :meth:`Backend.hold`); nothing was done to it."""

    client: str
    holder: str  # who holds it, in words
    waited: float  # seconds
    hint: str | None


@dataclass(frozen=True)
class LockHolder:
    """An efctl apply holding a relationship: of which plan, in which process, since when."""

    plan: str  # the plan id's first hex digits (a PostgreSQL session's name holds no more)
    pid: int
    host: str
    since: datetime  # UTC

    def applies(self, plan_id: str) -> bool:
        return plan_id.removeprefix("sha256:").startswith(self.plan)

    def text(self) -> str:
        """``efctl apply of plan sha256:3f2a…, pid 4711 on host runner-7, since … UTC``."""
        since = self.since.strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"efctl apply of plan sha256:{self.plan}…, pid {self.pid} on host {self.host},"
            f" since {since} UTC"
        )


@dataclass(frozen=True)
class Order:
    """One change set for one relationship, as handed to the bank.

    ``maker`` and ``checkers`` are e-finance user ids of that relationship, or
    ``"github:<login>"`` for people who are no user there (who never count as admins).
    ``plan_id`` is None only for orders made in the bank's web UI.
    """

    client: str
    base_serial: int
    plan_id: str | None
    commit: str | None
    maker: str
    checkers: tuple[str, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class IssuedKey:
    """A key the bank has just issued, inactive: the one moment its secret exists outside the
    holder's software. Never logged, never stored; ``repr`` leaves the secret out."""

    client: str
    name: str
    user: str
    fingerprint: str
    created: date
    expires: date
    secret: str = field(repr=False)


class OrderStatus(StrEnum):
    EXECUTED = "executed"
    PENDING = "pending"  # waits for a further admin to check and authorise it
    REJECTED = "rejected"  # authorised too late: the relationship had changed meanwhile


@dataclass(frozen=True)
class OrderOutcome:
    order_id: str
    client: str
    status: OrderStatus  # executed or pending, never rejected (that is an exception)
    serial: int  # the relationship's serial after the call
    missing: str | None = None  # while pending: what the four-eyes rule still needs


@dataclass(frozen=True)
class PendingOrder:
    id: str
    created_at: str  # UTC, ISO 8601 to the second
    order: Order  # its checkers are those who authorised it so far


class Backend(Protocol):
    def list_clients(self) -> list[str]:
        """Ids of every client relationship the bank holds, sorted."""
        ...

    def read_client(self, client_id: str) -> ClientState | None:
        """One relationship in full, in a constant number of queries; None if unknown."""
        ...

    def submit_order(self, order: Order) -> OrderOutcome:
        """Execute the order atomically, or keep it pending when the four-eyes rule fails.

        Raises when the relationship moved past ``order.base_serial`` (nothing is written) or
        when the bank refuses the order (manual changes, Admin rights and API keys are not
        ordered electronically: the caller leaves them out).
        """
        ...

    def applied_plan(self, client_id: str, plan_id: str) -> str | None:
        """The id of the executed order that applied this plan to this relationship, if any."""
        ...

    def last_applied_values(self, client_id: str) -> Mapping[str, Mapping[str, Any] | None]:
        """Per address, what the executed orders last set (None: deleted), in one query."""
        ...

    def pending_orders(self, client_id: str | None = None) -> list[PendingOrder]:
        """The orders waiting for authorisation, of one relationship or of all."""
        ...

    def approve_order(self, order_id: str, user: str) -> OrderOutcome:
        """``user`` checks and authorises a pending order; executed once the rule holds."""
        ...

    def hold(
        self,
        client_id: str,
        plan_id: str,
        timeout: float,
        waiting: Callable[[str], None] | None = None,
    ) -> AbstractContextManager[LockHolder | None]:
        """Hold the relationship for this process's apply of PLAN_ID until the block ends.

        No other apply holds it meanwhile; the hold dies with the process (or its connection
        to the bank), so a killed apply never leaves one behind. Waits up to TIMEOUT seconds
        for another holder (telling ``waiting`` once, in words, whom it waits for), then
        raises RelationshipBusy naming it. Yields the holder it waited for, None when the
        relationship was free.
        """
        ...

    # API keys are requested one by one, by an admin, never in an order.

    def issue_api_key(self, client: str, name: str, user: str, requested_by: str) -> IssuedKey:
        """A new key for USER, inactive until :meth:`activate_api_key`; the secret once."""
        ...

    def activate_api_key(
        self, client: str, fingerprint: str, replacing: tuple[str, ...] = ()
    ) -> None:
        """Make the key usable and revoke every other key of its name, atomically, while the
        name's active keys are exactly ``replacing`` (else raise: another run came first)."""
        ...

    def revoke_api_keys(self, client: str, name: str, requested_by: str) -> int:
        """Revoke every key of NAME; how many there were."""
        ...

    def discard_api_key(self, client: str, fingerprint: str) -> None:
        """Revoke an inactive key whose secret never reached its holder."""
        ...

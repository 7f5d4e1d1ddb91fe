"""One command's view of the bank: each relationship is read once, then remembered.

validate's checks, the plan, the evidence and apply's dual-control verdict all look at the
same snapshot of a relationship, so a command reads it once and they cannot disagree. What the
bank decides at execution (serial check, its own four-eyes) it decides on its own state, so a
snapshot never lets a stale plan through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from efctl.errors import EfctlError
from reconcile.backend import Backend
from reconcile.model import ClientState

LISTED = 10  # relationship ids named in a hint before "and N more"


class BankView:
    """A read-through memo of ``read_client`` over a Backend; writes go to the bank itself.

    The bank is opened on the first read, so that a command whose declarations are already
    broken reports them, not a missing bank.
    """

    def __init__(self, open_bank: Callable[[], Backend]):
        self._open_bank = open_bank
        self._states: dict[str, ClientState | None] = {}

    @cached_property
    def bank(self) -> Backend:
        return self._open_bank()

    def read_client(self, client_id: str) -> ClientState | None:
        if client_id not in self._states:
            self._states[client_id] = self.bank.read_client(client_id)
        return self._states[client_id]

    def list_clients(self) -> list[str]:
        return self.bank.list_clients()

    def require(self, client_id: str) -> ClientState:
        """The relationship's state, or an error that names the ones the bank has."""
        state = self.read_client(client_id)
        if state is None:
            known = self.list_clients()
            listed = ", ".join(known[:LISTED]) or "none"
            more = f" and {len(known) - LISTED} more" if len(known) > LISTED else ""
            raise EfctlError(
                f"client relationship {client_id} is unknown at the bank",
                hint=f"relationships at the bank: {listed}{more}",
            )
        return state

    def last_applied_values(self, client_id: str) -> Mapping[str, Mapping[str, Any] | None]:
        return self.bank.last_applied_values(client_id)

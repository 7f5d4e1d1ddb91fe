"""The protocol through which the engine sees a bank: the sandbox today, a bank API later."""

from __future__ import annotations

from typing import Protocol

from reconcile.model import ClientState


class Backend(Protocol):
    def list_clients(self) -> list[str]:
        """Ids of every client relationship the bank holds, sorted."""
        ...

    def read_client(self, client_id: str) -> ClientState | None:
        """One relationship in full, in a constant number of queries; None if unknown."""
        ...

"""`efctl deliveries list`: every delivery of the bank's relationships, with its ISO version.

For each delivery: its relationship, contract, kind (and variant), channel, frequency, ISO
version with the full message identifier (camt.053 on 2019: ``camt.053.001.08``), and where it
stands in the ISO version change: still in the parallel phase, switched automatically by the
bank on a day, due for that switch, or current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from efctl.app.bankview import BankView
from efctl.declarations.convert import normalise_client_id
from reconcile.catalog import Catalog
from reconcile.isochange import newest_version, phase_over
from reconcile.model import ClientState, Delivery

# Where a delivery stands in the ISO version change.
PARALLEL = "parallel_phase"  # both versions accepted until the end of the phase
SWITCHED = "switched"  # the bank switched it automatically (on switched_on)
DUE = "due"  # after the phase, still on an older version: the bank's next switch takes it
CURRENT = "current"  # on the newest version after the phase, by the customer's choice


@dataclass(frozen=True)
class DeliveryListing:
    client: str | None  # the relationship asked for, None for all
    today: date
    phase_end: date
    clients: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "parallel_phase_end": self.phase_end.isoformat(),
            "clients": self.clients,
        }


def list_deliveries(
    bank: BankView, catalog: Catalog, today: date, client: str | None = None
) -> DeliveryListing:
    if client is not None:
        client = normalise_client_id(client)
        bank.require(client)
    ids = [client] if client is not None else bank.list_clients()
    states = [state for state in map(bank.read_client, ids) if state is not None]
    return DeliveryListing(
        client,
        today,
        catalog.parallel_phase_end,
        [_client_json(state, catalog, today) for state in states],
    )


def message_id(kind: str, iso_version: str | None, catalog: Catalog) -> str | None:
    """The full ISO 20022 message identifier: camt.053 on 2019 (camt.05x.001.08) is
    camt.053.001.08; None for PDF kinds and versions the catalog does not know."""
    generation = catalog.iso_versions.get(iso_version) if iso_version else None
    if generation is None or not kind.startswith("camt."):
        return None
    _, _, rest = generation.camt.partition(".001.")
    return f"{kind}.001.{rest}" if rest else generation.camt


def _client_json(state: ClientState, catalog: Catalog, today: date) -> dict[str, Any]:
    contracts = {c.id: c.name for c in state.contracts}
    return {
        "client": state.id,
        "name": state.name,
        "deliveries": [
            _delivery_json(d, contracts.get(d.contract), catalog, today) for d in state.deliveries
        ],
    }


def _delivery_json(
    delivery: Delivery, contract_name: str | None, catalog: Catalog, today: date
) -> dict[str, Any]:
    return {
        "delivery": delivery.id,
        "contract": delivery.contract,
        "contract_name": contract_name,
        "kind": delivery.kind,
        "variant": delivery.variant,
        "channel": delivery.channel,
        "frequency": delivery.frequency,
        "iso_version": delivery.iso_version,
        "message": message_id(delivery.kind, delivery.iso_version, catalog),
        "iso_status": _status(delivery, catalog, today),
        "switched_on": None if delivery.switched_on is None else delivery.switched_on.isoformat(),
        "switched_from": delivery.switched_from,
    }


def _status(delivery: Delivery, catalog: Catalog, today: date) -> str | None:
    if delivery.iso_version is None:
        return None
    if delivery.switched_on is not None:
        return SWITCHED
    if not phase_over(catalog, today):
        return PARALLEL
    return CURRENT if delivery.iso_version == newest_version(catalog) else DUE

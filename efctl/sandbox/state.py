"""The one deterministic order in which the sandbox hands out a relationship."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconcile.model import (
    ApiKeyState,
    ClientState,
    Contract,
    Delivery,
    Signatory,
    UserState,
)


def client_state(
    *,
    id: str,
    name: str,
    language: str,
    serial: int,
    contracts: Iterable[Contract],
    signatories: Iterable[Signatory],
    users: Iterable[UserState],
    deliveries: Iterable[Delivery],
    api_keys: Iterable[ApiKeyState],
) -> ClientState:
    """A ClientState sorted by key (contracts, users, deliveries by id; signatories, keys by
    name; each user's authorizations by contract id), so that equal banks compare equal
    whatever order a seed file or a database returned them in."""
    return ClientState(
        id=id,
        name=name,
        language=language,
        serial=serial,
        contracts=tuple(sorted(contracts, key=lambda c: c.id)),
        signatories=tuple(sorted(signatories, key=lambda s: s.name)),
        users=tuple(
            replace(u, authorizations=_sorted_mapping(u.authorizations))
            for u in sorted(users, key=lambda u: u.id)
        ),
        deliveries=tuple(sorted(deliveries, key=lambda d: d.id)),
        api_keys=tuple(sorted(api_keys, key=lambda k: k.name)),
    )


def _sorted_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items()))

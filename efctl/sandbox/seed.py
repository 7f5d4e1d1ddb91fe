"""The sandbox bank's seed: one ``<client-id>.yaml`` per relationship (bank-state.schema.json).

A seed is read like a declaration (same loader, same schema diagnostics) and then checked for
what a schema cannot say: duplicate keys in lists, references to contracts and users of the
file, which deliveries carry an ISO version, and whether the bank would take each pending
order. All problems of all files are collected and raised together as one :class:`SeedError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from efctl.declarations.loader import LoadedDocument, load_document
from efctl.declarations.schema import load_schema, schema_diagnostics
from efctl.sandbox.changes import Holdings, inapplicable, order_problems
from efctl.sandbox.errors import SandboxError, SeedError
from efctl.sandbox.orders import utc_text
from efctl.sandbox.rules import api_key_expiry
from efctl.sandbox.state import client_state
from reconcile.backend import Order, PendingOrder
from reconcile.diagnostics import Diagnostic, Severity, error
from reconcile.model import (
    AdminRight,
    ApiKeyState,
    ClientState,
    Contract,
    Delivery,
    Signatory,
    UserState,
)
from reconcile.plan import Change

SEED_SCHEMA = "bank-state"

# camt kinds and the variants each has; every other kind is a PDF document without ISO version.
CAMT_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "camt.052": ("incremental",),
    "camt.053": (),
    "camt.054": ("collective", "detailed"),
}
INCREMENTAL_ISO_VERSION = "2019"


@dataclass(frozen=True)
class SeededClient:
    state: ClientState
    orders: tuple[PendingOrder, ...]  # made in the web UI, based on the state's serial


def load_seed(seed_dir: Path) -> list[ClientState]:
    """Every relationship of the seed folder, sorted by client id; SeedError on any problem."""
    return [seeded.state for seeded in load_bank(seed_dir)]


def load_bank(seed_dir: Path) -> list[SeededClient]:
    """Every relationship of the seed folder with its pending orders, sorted by client id."""
    if not seed_dir.is_dir():
        raise SandboxError(
            f"no seed folder at {seed_dir}", hint="pass the folder of <client-id>.yaml files"
        )
    paths = sorted(seed_dir.glob("*.yaml"))
    if not paths:
        raise SandboxError(f"no *.yaml files in the seed folder {seed_dir}")
    schema = load_schema(SEED_SCHEMA)
    seeded: list[SeededClient] = []
    seeded_in: dict[str, str] = {}
    order_in: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path in paths:
        document = load_document(path)
        found = list(document.diagnostics) or schema_diagnostics(document, schema)
        if not found:
            found = list(_semantic_problems(document))
            client_id = document.data["client"]["id"]
            if client_id in seeded_in:
                found.append(document.place(_seeded_twice(client_id, seeded_in[client_id])))
            seeded_in.setdefault(client_id, document.path)
            found.extend(_orders_seeded_elsewhere(document, order_in))
        problems.extend(found)
        if not any(d.severity is Severity.ERROR for d in found):
            state = to_client_state(document.data)
            seeded.append(SeededClient(state, to_pending_orders(document.data, state.serial)))
    if problems:
        raise SeedError(str(seed_dir), sorted(problems, key=lambda d: d.sort_key))
    return sorted(seeded, key=lambda s: s.state.id)


def to_client_state(data: Mapping) -> ClientState:
    """A schema-valid seed document as the bank's state of that relationship."""
    client = data["client"]
    return client_state(
        id=client["id"],
        name=client["name"],
        language=client["language"],
        serial=data.get("serial", 1),
        contracts=(
            Contract(c["id"], c["type"], c["name"], tuple(c["allowed"]) if "allowed" in c else None)
            for c in data.get("contracts", ())
        ),
        signatories=(Signatory(s["name"], s["signature"]) for s in data.get("signatories", ())),
        users=(
            UserState(
                id=u["id"],
                name=u["name"],
                email=u.get("email"),
                language=u.get("language", client["language"]),
                github=u.get("github"),
                admin=u.get("admin", AdminRight.NONE),
                authorizations=u.get("authorizations", {}),
                signing_key=u.get("signing_key"),
            )
            for u in data.get("users", ())
        ),
        deliveries=(
            Delivery(
                id=d["id"],
                contract=d["contract"],
                kind=d["kind"],
                iso_version=d.get("iso_version"),
                channel=d["channel"],
                frequency=d["frequency"],
                variant=d.get("variant"),
            )
            for d in data.get("deliveries", ())
        ),
        api_keys=(_api_key(k) for k in data.get("api_keys", ())),
    )


def to_pending_orders(data: Mapping, serial: int) -> tuple[PendingOrder, ...]:
    """The web-UI orders of a checked seed document, each based on the seed's serial."""
    return tuple(
        PendingOrder(
            id=entry["id"],
            created_at=utc_text(entry["created"]),
            order=Order(
                client=data["client"]["id"],
                base_serial=serial,
                plan_id=None,
                commit=None,
                maker=entry["maker"],
                checkers=(),
                changes=tuple(Change.from_json(change) for change in entry["changes"]),
            ),
        )
        for entry in data.get("orders", ())
    )


def _api_key(entry: Mapping) -> ApiKeyState:
    created = date.fromisoformat(entry["created"])
    return ApiKeyState(
        entry["name"], entry["user"], entry["fingerprint"], created, api_key_expiry(created)
    )


def _semantic_problems(doc: LoadedDocument) -> Iterator[Diagnostic]:
    data = doc.data
    yield from _duplicates(doc, "contracts", "id", "EF201", "contract id")
    yield from _duplicates(doc, "signatories", "name", "EF201", "signatory")
    yield from _duplicates(doc, "users", "id", "EF101", "user id")
    yield from _duplicates(doc, "users", "github", "EF112", "github login")
    yield from _duplicates(doc, "deliveries", "id", "EF201", "delivery id")
    yield from _duplicates(doc, "api_keys", "name", "EF115", "API key name")
    yield from _duplicates(doc, "orders", "id", "EF201", "order id")
    yield from _order_problems(doc)

    contracts = {c["id"] for c in data.get("contracts", ())}
    users = {u["id"] for u in data.get("users", ())}
    for i, user in enumerate(data.get("users", ())):
        for contract in user.get("authorizations", {}):
            if contract not in contracts:
                pointer = ("users", i, "authorizations", contract)
                yield _at_key(
                    doc,
                    error(
                        "EF102",
                        f"user '{user['id']}' holds a right on contract '{contract}', "
                        "which is not among the contracts of this file",
                        pointer,
                        hint="add the contract under `contracts:` or remove the right",
                    ),
                )
    for i, delivery in enumerate(data.get("deliveries", ())):
        if delivery["contract"] not in contracts:
            yield doc.place(
                error(
                    "EF102",
                    f"delivery '{delivery['id']}' is of contract '{delivery['contract']}', "
                    "which is not among the contracts of this file",
                    ("deliveries", i, "contract"),
                    hint="add the contract under `contracts:` or correct the id",
                ),
            )
        yield from (doc.place(d) for d in _delivery_problems(i, delivery))
    for i, key in enumerate(data.get("api_keys", ())):
        if key["user"] not in users:
            yield doc.place(
                error(
                    "EF107",
                    f"API key '{key['name']}' belongs to user '{key['user']}', "
                    "who is not among the users of this file",
                    ("api_keys", i, "user"),
                    hint="a key belongs to an existing user of the relationship",
                ),
            )


def _order_problems(doc: LoadedDocument) -> Iterator[Diagnostic]:
    """Would the bank take each pending order, made by an admin, on this file's state?"""
    data = doc.data
    client_id = data["client"]["id"]
    admin = {u["id"]: AdminRight(u.get("admin", AdminRight.NONE)) for u in data.get("users", ())}
    for i, entry in enumerate(data.get("orders", ())):
        name, maker = entry["id"], entry["maker"]
        if maker not in admin or admin[maker] is AdminRight.NONE:
            who = (
                "is not among the users of this file"
                if maker not in admin
                else "holds no Admin right"
            )
            yield doc.place(
                error(
                    "EF013",
                    f"order '{name}' is made by '{maker}', who {who}",
                    ("orders", i, "maker"),
                    hint="only admins of the relationship make orders in the web UI",
                )
            )
        try:
            datetime.fromisoformat(entry["created"])
        except ValueError:
            yield doc.place(
                error(
                    "EF015",
                    f"order '{name}': '{entry['created']}' is no moment in time",
                    ("orders", i, "created"),
                )
            )
        changes = [Change.from_json(change) for change in entry["changes"]]
        problems = order_problems(client_id, changes) or inapplicable(changes, _holdings(data))
        for j, message in problems:
            yield doc.place(
                error("EF013", f"order '{name}': {message}", ("orders", i, "changes", j))
            )


def _holdings(data: Mapping) -> Holdings:
    users = data.get("users", ())
    return Holdings(
        users={u["id"] for u in users},
        rights={(u["id"], c) for u in users for c in u.get("authorizations", {})},
        contracts={c["id"] for c in data.get("contracts", ())},
        deliveries={d["id"]: "iso_version" in d for d in data.get("deliveries", ())},
    )


def _orders_seeded_elsewhere(doc: LoadedDocument, order_in: dict[str, str]) -> Iterator[Diagnostic]:
    """Order ids are unique in the whole bank; ``order_in`` remembers where each was seeded."""
    for i, entry in enumerate(doc.data.get("orders", ())):
        first = order_in.setdefault(entry["id"], doc.path)
        if first != doc.path:
            yield doc.place(
                error(
                    "EF201",
                    f"order id '{entry['id']}' is already used in {first}",
                    ("orders", i, "id"),
                )
            )


def _delivery_problems(i: int, delivery: Mapping) -> Iterator[Diagnostic]:
    name, kind = delivery["id"], delivery["kind"]
    iso, variant = delivery.get("iso_version"), delivery.get("variant")
    if kind in CAMT_VARIANTS and iso is None:
        yield error(
            "EF011",
            f"delivery '{name}' ({kind}) is missing 'iso_version'",
            ("deliveries", i),
            hint='a camt delivery has an ISO version: "2009" or "2019"',
        )
    if kind not in CAMT_VARIANTS and iso is not None:
        yield error(
            "EF013",
            f"delivery '{name}' ({kind}) is a PDF document and has no ISO version",
            ("deliveries", i, "iso_version"),
            hint="remove 'iso_version'",
        )
    variants = CAMT_VARIANTS.get(kind, ())
    if variant is not None and variant not in variants:
        yield error(
            "EF013",
            f"delivery '{name}': {kind} has no variant '{variant}'",
            ("deliveries", i, "variant"),
            hint=f"variants of {kind}: {', '.join(variants)}" if variants else "remove 'variant'",
        )
    elif variant == "incremental" and iso is not None and iso != INCREMENTAL_ISO_VERSION:
        yield error(
            "EF013",
            f"delivery '{name}': the incremental camt.052 exists only in ISO version "
            f"{INCREMENTAL_ISO_VERSION}",
            ("deliveries", i, "iso_version"),
        )


def _duplicates(doc: LoadedDocument, section: str, field: str, code: str, noun: str):
    first: dict[object, int] = {}
    for i, item in enumerate(doc.data.get(section, ())):
        value = item.get(field)
        if value is None:
            continue
        if value in first:
            line, _ = doc.locate((section, first[value], field))
            yield doc.place(
                error(
                    code,
                    f"{noun} '{value}' appears twice in {section} (first on line {line})",
                    (section, i, field),
                ),
            )
        else:
            first[value] = i


def _seeded_twice(client_id: str, first_path: str) -> Diagnostic:
    return error(
        "EF114",
        f"client relationship {client_id} is already seeded in {first_path}",
        ("client", "id"),
        hint="keep one seed file per client relationship",
    )


def _at_key(doc: LoadedDocument, diagnostic: Diagnostic) -> Diagnostic:
    """Placed at the mapping key its pointer ends in, not at the key's value."""
    return diagnostic.at(doc.path, *doc.locate(diagnostic.pointer, key=True))

"""The sandbox bank's seed: one ``<client-id>.yaml`` per relationship (bank-state.schema.json).

A seed is read like a declaration (same loader, same schema diagnostics) and then checked for
what a schema cannot say: duplicate keys in lists, references to contracts and users of the
file, and which deliveries carry an ISO version. All problems of all files are collected and
raised together as one :class:`SeedError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from efctl.sandbox.errors import SandboxError, SeedError
from efctl.sandbox.rules import api_key_expiry
from efctl.sandbox.state import client_state
from efctl.spec.loader import LoadedDocument, load_document
from efctl.spec.schema import load_schema, schema_diagnostics
from reconcile.diagnostics import Diagnostic, Severity, error
from reconcile.model import ApiKeyState, ClientState, Contract, Delivery, Signatory, UserState

SEED_SCHEMA = "bank-state"

# camt kinds and the variants each has; every other kind is a PDF document without ISO version.
CAMT_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "camt.052": ("incremental",),
    "camt.053": (),
    "camt.054": ("collective", "detailed"),
}
INCREMENTAL_ISO_VERSION = "2019"


def load_seed(seed_dir: Path) -> list[ClientState]:
    """Every relationship of the seed folder, sorted by client id; SeedError on any problem."""
    if not seed_dir.is_dir():
        raise SandboxError(
            f"no seed folder at {seed_dir}", hint="pass the folder of <client-id>.yaml files"
        )
    paths = sorted(seed_dir.glob("*.yaml"))
    if not paths:
        raise SandboxError(f"no *.yaml files in the seed folder {seed_dir}")
    schema = load_schema(SEED_SCHEMA)
    states: list[ClientState] = []
    seeded_in: dict[str, str] = {}
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
        problems.extend(found)
        if not any(d.severity is Severity.ERROR for d in found):
            states.append(to_client_state(document.data))
    if problems:
        raise SeedError(str(seed_dir), sorted(problems, key=lambda d: d.sort_key))
    return sorted(states, key=lambda s: s.id)


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
                admin=u.get("admin", "none"),
                authorizations=u.get("authorizations", {}),
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

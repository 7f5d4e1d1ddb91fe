"""`efctl adopt`: take what was changed at the bank (web UI, the bank itself) into the declaration.

Which changes came from the bank's side is read from the bank's order records: an address whose
latest executed order had no plan (made in the web UI, or by the bank) was changed there, and
that order names who, when and what. Drift against the last applied plan counts too. The
declaration is edited in place with the smallest edits (reconcile.adopt, declarations.edit),
so that the next plan shows no change there; everything else stays as declared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from efctl.app.bankview import BankView
from efctl.app.plan import select
from efctl.declarations.convert import user_document
from efctl.declarations.edit import edit_declaration
from efctl.declarations.pipeline import Validation
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.files import write_file
from efctl.sandbox import Store
from reconcile.adopt import adopt
from reconcile.catalog import Catalog
from reconcile.isochange import BANK_MAKER
from reconcile.plan import Action, Change, Resource


@dataclass(frozen=True)
class Origin:
    """The executed order that last changed an address at the bank, without a plan."""

    order: str
    maker: str
    at: str  # UTC, ISO 8601, when the bank executed it
    change: dict[str, Any]  # what the order did there (its change in JSON form)

    @property
    def where(self) -> str:
        return "by the bank" if self.maker == BANK_MAKER else "in the web UI"

    def as_json(self) -> dict[str, Any]:
        return {"order": self.order, "maker": self.maker, "at": self.at, "where": self.where,
                "change": self.change}  # fmt: skip


@dataclass(frozen=True)
class ClientAdoption:
    client: str
    name: str
    file: str  # the declaration as the user names it
    out: str | None  # where the edited declaration was written (as shown); None: not written
    adopted: tuple[tuple[Change, Origin | None], ...]  # the plan's change undone, and why
    left: tuple[Change, ...]  # changes the declaration asks for itself: not adopted

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "name": self.name,
            "file": self.file,
            "out": self.out,
            "adopted": [
                {"plan_change": change.to_json(), "origin": origin and origin.as_json()}
                for change, origin in self.adopted
            ],
            "left": [change.to_json() for change in self.left],
        }


@dataclass(frozen=True)
class Adoptions:
    clients: tuple[ClientAdoption, ...]  # every relationship looked at, by declaration order

    def as_json(self) -> dict[str, Any]:
        return {"clients": [c.as_json() for c in self.clients]}


def adopt_clients(
    validation: Validation,
    clients: Sequence[str],
    bank: BankView,
    store: Store,
    catalog: Catalog,
    today: date,
    out: Path | None = None,
    display=str,
) -> Adoptions:
    """Adopt the bank's changes of the selected relationships (all: each declared one);
    DISPLAY shows a path as the user should see it."""
    if validation.errors:
        raise InvalidDeclarations(validation)
    selected = select(validation, clients)
    if out is not None and len(selected) != 1:
        raise EfctlError("--out writes one declaration", hint="name one CLIENT with --out")
    results = []
    for loaded in selected:
        state = bank.require(loaded.spec.id)
        origins = bank_origins(store, state.id)
        last_applied = bank.last_applied_values(state.id)
        adoption = adopt(
            loaded.spec,
            state,
            catalog,
            today,
            last_applied,
            lambda change, origins=origins: origin_of(change, origins) is not None,
            user_document,
        )
        document = loaded.document
        target = None
        if adoption.edits:
            target = out or document.source or Path(document.path)
            text = document.content.decode("utf-8")
            write_file(target, edit_declaration(text, adoption.edits, document.path))
        results.append(
            ClientAdoption(
                state.id,
                state.name,
                document.path,
                None if target is None else display(target),
                tuple((c, origin_of(c, origins)) for c in adoption.adopted),
                adoption.left,
            )
        )
    return Adoptions(tuple(results))


Touched = dict[str, tuple[int, Origin | None]]  # address -> (audit seq, origin; None: a plan's)


def bank_origins(store: Store, client: str) -> Touched:
    """Per address, the latest executed order that changed it; a user's deletion also counts
    for each of the user's rights (at ``USER/authorizations/``)."""
    stored = store.stored_changes()
    touched: Touched = {}
    for entry in store.audit_entries(client):
        for change in json.loads(stored.get(entry.order_id, "[]")):
            origin = None
            if entry.plan_id is None:
                origin = Origin(entry.order_id, entry.maker, entry.at, change)
            touched[change["address"]] = (entry.seq, origin)
            if change["resource"] == Resource.USER and change["action"] == Action.DELETE:
                touched[change["address"] + "/authorizations/"] = (entry.seq, origin)
    return touched


def origin_of(change: Change, touched: Touched) -> Origin | None:
    """The bank-side order that made the bank differ at the change's address, if one did."""
    candidates = [touched.get(change.address)]
    if change.resource is Resource.AUTHORIZATION:
        user = change.address.rsplit("/authorizations/", 1)[0]
        candidates.append(touched.get(user + "/authorizations/"))
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    return max(found, key=lambda c: c[0])[1]

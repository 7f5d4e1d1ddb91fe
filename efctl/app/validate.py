"""`efctl validate` and `efctl explain`: the declarations checked, and one user's rights traced."""

from __future__ import annotations

import os
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from efctl.app.bankview import BankView
from efctl.config import Settings
from efctl.declarations.convert import normalise_client_id
from efctl.declarations.pipeline import LoadedClient, Validation
from efctl.declarations.pipeline import validate as check_declarations
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.render.explain import explain_json, render_text
from reconcile.catalog import Catalog
from reconcile.expiry import Entry, expiries, in_force
from reconcile.model import ClientState
from reconcile.resolve import resolve_client


@dataclass(frozen=True)
class Explanation:
    as_json: dict[str, Any]

    def text(self) -> str:
        return render_text(self.as_json)


def validate(
    paths: Sequence[Path],
    settings: Settings,
    catalog: Catalog,
    bank: BankView | None,
    *,
    jobs: int = 1,
    bank_files: Container[Path] | None = None,
) -> Validation:
    """Every declaration under ``paths`` checked, parsed in ``jobs`` processes; without a bank,
    the bank's checks are skipped, and with ``bank_files`` made for those files only."""
    return check_declarations(
        paths,
        catalog=catalog,
        bank=bank,
        today=settings.today,
        display=settings.display,
        cache_dir=cache_dir(settings),
        jobs=jobs,
        bank_files=bank_files,
        root=settings.root,
        expiry_warning_days=settings.expiry_warning_days,
    )


def cache_dir(settings: Settings) -> Path | None:
    """Where the parse cache lives: ``.efctl/cache`` at the root; EFCTL_CACHE=off: nowhere."""
    if os.environ.get("EFCTL_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    return settings.root / ".efctl" / "cache"


def declared(validation: Validation, client_id: str) -> LoadedClient:
    """The relationship's valid declaration, or why there is none (its errors, or the ids)."""
    loaded = validation.client(normalise_client_id(client_id))
    if loaded is not None and not any(d.file == loaded.document.path for d in validation.errors):
        return loaded
    if validation.errors:
        raise InvalidDeclarations(validation)
    names = ", ".join(sorted(c.spec.id for c in validation.clients)) or "none"
    raise EfctlError(
        f"no declaration for client relationship {normalise_client_id(client_id)}",
        hint=f"declared relationships: {names}",
    )


def explain(
    validation: Validation,
    client_id: str,
    user_id: str,
    bank: BankView,
    catalog: Catalog,
    today: date,
) -> Explanation:
    """Where each of USER's effective rights in CLIENT comes from, as of TODAY: an expired
    ``single`` entry no longer counts; an expired user is shown with what they were given."""
    loaded = declared(validation, client_id)
    state = bank.read_client(loaded.spec.id)
    if state is None:  # validation reported EF111 already; this is only for library callers
        raise EfctlError(f"client relationship {loaded.spec.id} is unknown at the bank")
    if user_id not in {user.id for user in loaded.spec.users}:
        raise _undeclared(loaded, state, user_id)
    current = in_force(loaded.spec, today)
    mine = [e for e in expiries(loaded.spec) if e.user == user_id]
    user_gone = any(e.entry is Entry.USER for e in current.expired if e.user == user_id)
    if current.expired and not user_gone:
        resolution = resolve_client(current.spec, state.contracts, catalog)
    else:
        resolution = loaded.resolution or resolve_client(loaded.spec, state.contracts, catalog)
    until = [
        {
            "entry": e.entry.value,
            "name": e.name,
            "on": e.on.isoformat(),
            "expired": e.expired(today),
        }
        for e in mine
    ]
    return Explanation(explain_json(resolution, user_id, state, catalog, until=until))


def _undeclared(loaded: LoadedClient, state: ClientState, user_id: str) -> EfctlError:
    """Why USER cannot be explained, with the hint that fits: at the bank only, or a typo."""
    where = f"{loaded.document.path} ({loaded.spec.id})"
    if any(user.id == user_id for user in state.users):
        return EfctlError(
            f"user '{user_id}' is at the bank but not declared in {where}: "
            "the next plan deletes them",
            hint=f"declare them to keep them; `efctl import {loaded.spec.id}` shows the bank",
        )
    ids = [user.id for user in loaded.spec.users]
    same = [i for i in ids if i.casefold() == user_id.casefold()]
    return EfctlError(
        f"user '{user_id}' is not declared in {where}",
        hint=f"user ids are case-sensitive: did you mean '{same[0]}'?"
        if same
        else f"declared users: {', '.join(ids) or 'none'}",
    )

"""``efctl import``: the declaration of one relationship, written from the bank's side."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from efctl.app.bankview import BankView
from efctl.config import Settings
from efctl.declarations.convert import client_document, normalise_client_id
from efctl.declarations.schema import load_schema
from efctl.files import write_file
from efctl.render.declaration import render_declaration
from efctl.sandbox import Store
from reconcile.catalog import Catalog
from reconcile.importer import Imported as ImportedSpec
from reconcile.importer import spec_from_state

SCHEMA_FILE = Path("schemas") / "client.schema.json"  # in the repository, if it keeps a copy


@dataclass(frozen=True)
class Imported:
    client: str
    text: str  # the declaration
    out: Path | None  # where it was written, None when it is for standard output


def import_client(
    client_id: str,
    bank: BankView,
    catalog: Catalog,
    settings: Settings,
    *,
    out: Path | None = None,
    lookup: Callable[[str], int | None] | None = None,
) -> Imported:
    """The relationship as the bank holds it, as declaration text; also written to ``out``.

    ``out`` also anchors the schema modeline's relative path (default: the first declarations
    folder, where the file belongs). With ``lookup`` (a login's GitHub user id, None for no
    such account) each ``github`` login gets its ``github_id``, looked up once: the bank keeps
    logins only, and a review counts by the permanent id.
    """
    client_id = normalise_client_id(client_id)
    state = bank.require(client_id)
    imported = spec_from_state(state, catalog, settings.today)
    if lookup is not None:
        imported = with_github_ids(imported, lookup)
    text = render_declaration(
        client_document(imported.spec),
        schema=schema_reference(settings, out),
        source=_bank_name(bank.bank, settings),
        on=settings.today,
        serial=state.serial,
        notes=imported.notes,
    )
    if out is not None:
        write_file(out, text)
    return Imported(client_id, text, out)


def with_github_ids(imported: ImportedSpec, lookup: Callable[[str], int | None]) -> ImportedSpec:
    """IMPORTED with each login's GitHub id; a login GitHub does not know gets a note instead."""
    users, notes = [], list(imported.notes)
    for user in imported.spec.users:
        account = lookup(user.github) if user.github else None
        if user.github and account is None:
            notes.append(
                f"{user.id}'s github login {user.github} is no GitHub account now: no github_id;"
                " find out who it is before a review of theirs can count"
            )
        users.append(replace(user, github_id=account))
    return ImportedSpec(replace(imported.spec, users=tuple(users)), tuple(notes))


def schema_reference(settings: Settings, out: Path | None) -> str:
    """The repository's schema relative to where the file goes, else the schema's $id."""
    schema = settings.root / SCHEMA_FILE
    if not schema.is_file():
        return load_schema("client")["$id"]
    folder = out.parent if out is not None else (settings.clients or (settings.root,))[0]
    return Path(os.path.relpath(schema, folder.absolute())).as_posix()


def _bank_name(bank: Store, settings: Settings) -> str:
    """A URL as it is (without password), a sandbox file as the user names it."""
    where = bank.url
    return where if "://" in where else settings.display(Path(where))

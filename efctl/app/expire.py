"""`efctl expire`: delete the entries whose ``until`` has come from their declaration files.

The plan already ignores them (reconcile.expiry); deleting them keeps the files true, so that
a reader of a declaration sees only access that still counts. Offline: the bank is not asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from efctl.app.plan import select
from efctl.declarations.edit import edit_declaration
from efctl.declarations.pipeline import Validation
from efctl.errors import InvalidDeclarations
from efctl.files import write_file
from reconcile.expiry import Expiry, expiry_edits, in_force


@dataclass(frozen=True)
class ExpiredFile:
    client: str
    file: str  # as the user names it
    expired: tuple[Expiry, ...]


@dataclass(frozen=True)
class Expired:
    today: date
    files: tuple[ExpiredFile, ...]  # only files with expired entries
    written: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "written": self.written,
            "files": [
                {
                    "client": f.client,
                    "file": f.file,
                    "expired": [
                        {"entry": e.entry.value, "name": e.name, "user": e.user,
                         "on": e.on.isoformat(), "address": e.address}
                        for e in f.expired
                    ],
                }
                for f in self.files
            ],
        }  # fmt: skip


def expire(validation: Validation, clients: Sequence[str], today: date, *, write: bool) -> Expired:
    """The expired entries of the selected declarations; with WRITE, deleted from the files."""
    if validation.errors:
        raise InvalidDeclarations(validation)
    files = []
    for loaded in select(validation, clients):
        expired = in_force(loaded.spec, today).expired
        if not expired:
            continue
        document = loaded.document
        if write:
            text = edit_declaration(
                document.content.decode("utf-8"), expiry_edits(expired), document.path
            )
            write_file(document.source or Path(document.path), text)
        files.append(ExpiredFile(loaded.spec.id, document.path, expired))
    return Expired(today, tuple(files), write)

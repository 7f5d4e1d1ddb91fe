"""The application: one object per command line that knows the settings, the catalog and the bank.

The CLI builds a Workspace and calls one method per command; everything a command does beyond
parsing and printing lives here or below, so it is testable without click.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from efctl.app.plan import make_plan
from efctl.catalog import load_catalog
from efctl.config import Settings
from efctl.declarations.pipeline import Validation, validate
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.render.explain import ExplainError, explain_json, render_text
from efctl.sandbox import Store, open_store
from reconcile.catalog import Catalog
from reconcile.resolve import resolve_client


@dataclass(frozen=True)
class Explanation:
    as_json: dict
    as_text: str


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class Workspace:
    def __init__(self, settings: Settings, notify: Callable[[str], None] = _stderr):
        self.settings = settings
        self.notify = notify

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog)

    @cached_property
    def bank(self) -> Store:
        """The bank, opened on first use (a new sandbox is created and seeded then)."""
        return open_store(self.settings.backend, seed_dir=self._seed_dir(), notify=self.notify)

    def close(self) -> None:
        if "bank" in self.__dict__:
            self.bank.close()

    def _seed_dir(self) -> Path | None:
        return self.settings.seed if self.settings.seed.is_dir() else None

    def seed_dir(self, override: Path | None) -> Path:
        seed = override or self.settings.seed
        if not seed.is_dir():
            raise EfctlError(
                f"no seed folder at {self.settings.display(seed)}",
                hint="pass --seed DIR or set `seed:` in efctl.yaml",
            )
        return seed

    def sandbox_init(self, seed: Path | None) -> str:
        return self._seed_sandbox("created", Store.init, seed)

    def sandbox_reset(self, seed: Path | None) -> str:
        return self._seed_sandbox("reset", Store.reset, seed)

    def _seed_sandbox(self, verb: str, operation, seed: Path | None) -> str:
        seed_dir = self.seed_dir(seed)
        with open_store(self.settings.backend, create=True) as store:
            count = operation(store, seed_dir)
            source = self.settings.display(seed_dir)
            return f"{verb} the sandbox bank at {store.url} from {source} ({count} relationships)"

    def sandbox_status(self) -> dict:
        return self.bank.status().as_json

    def validate(self, paths: Sequence[Path], *, offline: bool = False) -> Validation:
        return validate(
            list(paths) or list(self.settings.clients),
            catalog=self.catalog,
            bank=None if offline else self.bank,
            today=self.settings.today,
            display=self.settings.display,
        )

    def explain(self, client_id: str, user_id: str, paths: Sequence[Path]) -> Explanation:
        client_id = client_id.replace(" ", "")
        validation = self.validate(paths)
        loaded = validation.client(client_id)
        if loaded is None or any(d.file == loaded.document.path for d in validation.errors):
            if validation.errors:
                raise InvalidDeclarations(validation)
            declared = ", ".join(sorted(c.spec.id for c in validation.clients)) or "none"
            raise EfctlError(
                f"no declaration for client relationship {client_id}",
                hint=f"declared relationships: {declared}",
            )
        state = self.bank.read_client(client_id)
        resolution = resolve_client(loaded.spec, state.contracts, self.catalog)
        try:
            data = explain_json(resolution, user_id, state, self.catalog)
        except ExplainError as exc:
            raise EfctlError(str(exc).strip("'\""), hint="user ids are case-sensitive") from exc
        return Explanation(as_json=data, as_text=render_text(data))

    def plan(
        self,
        paths: Sequence[Path],
        clients: Sequence[str] = (),
        *,
        allow_mass_removal: bool = False,
    ) -> dict:
        return make_plan(self, paths, clients, allow_mass_removal=allow_mass_removal)

"""`efctl sandbox init|reset|status`, and opening the bank every other command uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from efctl.config import Settings
from efctl.errors import EfctlError
from efctl.sandbox import Store, load_bank, open_store


@dataclass(frozen=True)
class Seeded:
    verb: str  # created | reset
    url: str  # without a password
    source: str  # the seed folder as the user names it
    relationships: int

    def text(self) -> str:
        return (
            f"{self.verb} the sandbox bank at {self.url} from {self.source} "
            f"({self.relationships} relationships)"
        )


def open_bank(settings: Settings, notify: Callable[[str], None]) -> Store:
    """The configured bank; a new local sandbox is seeded on first use when a seed exists."""
    seed = settings.seed if settings.seed.is_dir() else None
    return open_store(settings.backend, seed_dir=seed, notify=notify)


def seed_bank(settings: Settings, override: Path | None, operation: Callable) -> Seeded:
    """Create (``Store.init``) or drop and recreate (``Store.reset``) the sandbox from a seed.

    The seed is read and checked before the bank is opened: opening it may create the SQLite
    file or the PostgreSQL schema, and a bad seed must leave nothing behind. The command names
    the sandbox, so in CI too no backend means the local one."""
    seed = override or settings.seed
    if not seed.is_dir():
        raise EfctlError(
            f"no seed folder at {settings.display(seed)}",
            hint="pass --seed DIR (a folder of bank-state YAML files) or set `seed:` in efctl.yaml",
        )
    seeded = load_bank(seed)
    verb = "created" if operation is Store.init else "reset"
    with open_store(settings.bank_url, create=True) as store:
        count = operation(store, seeded)
        return Seeded(verb, store.url, settings.display(seed), count)

"""`efctl sandbox init|reset|status|tick`, and opening the bank every other command uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from efctl.config import Settings
from efctl.errors import EfctlError
from efctl.sandbox import SandboxError, Store, Switched, load_bank, open_store
from reconcile.catalog import Catalog
from reconcile.isochange import LABEL, newest_version, phase_over


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
    return open_store(settings.backend, seed_dir=seed, notify=notify, clock=bank_clock(settings))


def bank_clock(settings: Settings) -> Callable[[], datetime]:
    """The bank's clock: now, on the settings' day (EFCTL_TODAY, else today), so that a key
    issued under EFCTL_TODAY is dated and expires as on that day."""

    def clock() -> datetime:
        now = datetime.now(UTC)
        return now if now.date() == settings.today else datetime.combine(
            settings.today, now.time(), UTC
        )  # fmt: skip

    return clock


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


@dataclass(frozen=True)
class Ticked:
    """`efctl sandbox tick`: what the bank's automatic ISO version change did on ``today``."""

    today: date
    phase_end: date
    iso_version: str  # the newest version, what deliveries are switched to
    switched: tuple[Switched, ...]

    @property
    def due(self) -> bool:
        return self.today > self.phase_end

    @property
    def deliveries(self) -> int:
        return sum(len(s.deliveries) for s in self.switched)

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "parallel_phase_end": self.phase_end.isoformat(),
            "due": self.due,
            "iso_version": self.iso_version,
            "switched": [
                {
                    "client": s.client,
                    "order": s.order_id,
                    "serial": s.serial,
                    "deliveries": [
                        {"delivery": d.id, "kind": d.kind, "from": d.iso_version}
                        for d in s.deliveries
                    ],
                }
                for s in self.switched
            ],
        }


def parse_day(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise EfctlError(
            f"{option} {raw!r} is not a date", hint="use YYYY-MM-DD, for example 2026-11-22"
        ) from exc


def tick(store: Store, catalog: Catalog, today: date) -> Ticked:
    """The bank's automatic ISO version change, run if the parallel phase is over on ``today``
    (it ends at the end of ``parallel_phase_end``, as EF109 judges): idempotent."""
    newest = newest_version(catalog)
    switched = store.automatic_iso_change(newest, today) if phase_over(catalog, today) else []
    return Ticked(today, catalog.parallel_phase_end, newest, tuple(switched))


def tick_on_open(
    store: Store, catalog: Catalog, today: date, notify: Callable[[str], None]
) -> None:
    """The switch the bank makes on its own when opened after the parallel phase, with one
    notice on stderr when it switched something. A bank that cannot write (a read-only role)
    is read as it is, with a warning: planning must not fail for the bank's own batch."""
    if not phase_over(catalog, today):
        return
    try:
        ticked = tick(store, catalog, today)
    except SandboxError as exc:
        notify(f"efctl: warning: the sandbox bank could not make its {LABEL}: {exc.message}")
        return
    if ticked.switched:
        notify(f"efctl: {switch_summary(ticked)}")


def switch_summary(ticked: Ticked) -> str:
    count, clients = ticked.deliveries, len(ticked.switched)
    return (
        f"the sandbox bank switched {count} deliver{'y' if count == 1 else 'ies'} of "
        f"{clients} relationship{'' if clients == 1 else 's'} to ISO {ticked.iso_version} on "
        f"{ticked.today.isoformat()} ({LABEL}: the parallel phase ended on "
        f"{ticked.phase_end.isoformat()}): "
        + ", ".join(f"{s.client} {d.id}" for s in ticked.switched for d in s.deliveries)
    )

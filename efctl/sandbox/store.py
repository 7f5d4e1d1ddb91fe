"""The sandbox bank: one relationship-keyed store on SQLite or PostgreSQL.

URLs:

- ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``: a file.
- ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]``: the store's tables live in the
  PostgreSQL schema (namespace) NAME, made the connection's search_path; the ``schema``
  parameter is taken out of the URL before it reaches libpq, every other parameter is passed
  on. Without it the tables go where the connection's search_path puts them (``public``).
  Tests use a fresh schema each and drop it afterwards.

Nothing is created or seeded that the user did not ask for: :func:`open_store` creates and
seeds only a *new* SQLite file, only from a seed folder that exists, and says so once through
``notify``. An existing file or database without the store's tables is someone's, and only
``efctl sandbox init`` (:func:`load_bank`, then ``open_store(url, create=True)`` and
:meth:`Store.init`) fills it: the seed is read and checked first, so a bad seed creates nothing.
Reading a store of another schema version raises a SandboxError naming both versions and
``efctl sandbox reset``.

The write side (orders, the bank's four-eyes check, the audit chain) is in ``orders.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from efctl.sandbox.ddl import SCHEMA_VERSION, create_statements
from efctl.sandbox.documents import DocumentDesk, DocumentOrder
from efctl.sandbox.errors import SandboxError
from efctl.sandbox.keys import DueNotice, KeyDesk
from efctl.sandbox.locks import Locks, hold, locks_of
from efctl.sandbox.orders import Clock, OrderDesk, Switched, utc_now
from efctl.sandbox.seed import SeededClient, load_bank
from efctl.sandbox.sql import Database, connect, display, sqlite_file
from efctl.sandbox.state import client_state
from reconcile.audit import AuditEntry
from reconcile.backend import IssuedKey, LockHolder, Order, OrderOutcome, PendingOrder
from reconcile.model import ApiKeyState, ClientState, Contract, Delivery, Signatory, UserState

EMPTY = -1  # the store has no tables at all
UNVERSIONED = 0  # the store has tables but no schema_version table: not ours, or very old
INIT_HINT = "`efctl sandbox init --seed DIR` creates it and seeds it from the bank seed folder DIR"

# The columns of each part of a relationship, in the order rows are written and read.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "contracts": ("id", "type", "name", "allowed"),
    "signatories": ("name", "signature"),
    "users": ("id", "name", "email", "language", "github", "admin", "signing_key"),
    "authorizations": ("user_id", "contract_id", "profile"),
    "deliveries": (
        "id",
        "contract_id",
        "kind",
        "iso_version",
        "channel",
        "frequency",
        "variant",
        "switched_on",
        "switched_from",
    ),
    "api_keys": ("name", "user_id", "fingerprint", "created", "expires", "state"),
}

STATUS_QUERY = """
SELECT c.id, c.name, c.serial,
       (SELECT COUNT(*) FROM users u WHERE u.client_id = c.id),
       (SELECT COUNT(*) FROM contracts k WHERE k.client_id = c.id),
       (SELECT COUNT(*) FROM orders o WHERE o.client_id = c.id AND o.status = 'pending')
FROM clients c"""


@dataclass(frozen=True)
class ClientStatus:
    id: str
    name: str
    serial: int
    users: int
    contracts: int
    pending_orders: int


@dataclass(frozen=True)
class StoreStatus:
    url: str  # as sql.display shows it: no password
    schema_version: int
    clients: tuple[ClientStatus, ...]

    @property
    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"clients": [asdict(c) for c in self.clients]}


class Store:
    """The sandbox bank; implements :class:`reconcile.backend.Backend`."""

    def __init__(self, database: Database, clock: Clock = utc_now):
        self._db = database
        self._clock = clock
        self._version = self._found_version()
        self._orders = OrderDesk(database, clock)
        self._documents = DocumentDesk(database, clock)
        self._keys = KeyDesk(database, clock)

    @property
    def url(self) -> str:
        """The store as the user should see it (sql.display): a path, or a URL without passwords."""
        return self._db.where

    @property
    def database(self) -> Database:
        """The connection, for tracing statements (``database.trace``)."""
        return self._db

    # --- Backend --------------------------------------------------------------------------

    def list_clients(self) -> list[str]:
        self._require_current()
        return sorted(client_id for (client_id,) in self._db.query("SELECT id FROM clients"))

    def read_client(self, client_id: str) -> ClientState | None:
        """One relationship in a fixed number of queries (one per table), in one snapshot."""
        self._require_current()
        with self._db.transaction():
            found = self._db.query(
                "SELECT name, language, serial FROM clients WHERE id = ?", (client_id,)
            )
            if not found:
                return None
            parts = {
                table: self._db.query(
                    f"SELECT {', '.join(columns)} FROM {table} WHERE client_id = ?", (client_id,)
                )
                for table, columns in COLUMNS.items()
            }
        return _client_from_rows(client_id, found[0], parts)

    def submit_order(self, order: Order) -> OrderOutcome:
        """Execute the order in one transaction, or keep it pending; see ``OrderDesk.submit``."""
        self._require_current()
        return self._orders.submit(order)

    def approve_order(self, order_id: str, user: str) -> OrderOutcome:
        """The web UI's "check and authorise"; see ``OrderDesk.approve``."""
        self._require_current()
        return self._orders.approve(order_id, user)

    def applied_plan(self, client_id: str, plan_id: str) -> str | None:
        self._require_current()
        return self._orders.applied_plan(client_id, plan_id)

    def last_applied_values(self, client_id: str) -> Mapping[str, Mapping[str, Any] | None]:
        self._require_current()
        return self._orders.last_applied_values(client_id)

    def pending_orders(self, client_id: str | None = None) -> list[PendingOrder]:
        self._require_current()
        return self._orders.pending(client_id)

    def audit_entries(self, client_id: str | None = None) -> list[AuditEntry]:
        """The audit chain by seq (verify the whole chain: ``reconcile.audit.verify_chain``)."""
        self._require_current()
        return self._orders.audit_entries(client_id)

    def stored_changes(self) -> dict[str, str]:
        """Every order's changes as stored (JSON text), by order id: what audit entries bind."""
        self._require_current()
        return self._orders.stored_changes()

    def hold(
        self,
        client_id: str,
        plan_id: str,
        timeout: float,
        waiting: Callable[[str], None] | None = None,
    ) -> AbstractContextManager[LockHolder | None]:
        """The relationship held for one apply; see ``locks.py`` and ``Backend.hold``."""
        self._require_current()
        return hold(self._locks, client_id, plan_id, timeout, self._clock, waiting)

    @cached_property
    def _locks(self) -> Locks:
        return locks_of(self._db)

    # --- documents (DOMAIN.md section 7) -------------------------------------------------

    def order_document(
        self, client_id: str, kind: str, language: str, user: str, *, delay: float
    ) -> DocumentOrder:
        """Order a report as ``user`` (Admin right or signatory), due in ``delay`` seconds."""
        self._require_current()
        return self._documents.order(client_id, kind, language, user, delay)

    def due_documents(self) -> list[DocumentOrder]:
        """The ordered documents whose processing time has come: render, then deliver them."""
        self._require_current()
        return self._documents.due()

    def deliver_document(self, document_id: str, content: bytes) -> bool:
        """Store a processed document's PDF (False: it was delivered already)."""
        self._require_current()
        return self._documents.deliver(document_id, content)

    def documents(self, client_id: str | None = None) -> list[DocumentOrder]:
        self._require_current()
        return self._documents.listing(client_id)

    def document(self, document_id: str) -> tuple[DocumentOrder, bytes | None] | None:
        """An ordered document and its PDF once ready; None when there is no such order."""
        self._require_current()
        return self._documents.fetch(document_id)

    # --- API keys, requested one by one -------------------------------------------------

    def issue_api_key(self, client: str, name: str, user: str, requested_by: str) -> IssuedKey:
        """A new inactive key; its secret is in the result only. See ``KeyDesk.issue``."""
        self._require_current()
        return self._keys.issue(client, name, user, requested_by)

    def activate_api_key(
        self, client: str, fingerprint: str, replacing: tuple[str, ...] = ()
    ) -> None:
        """Activate the key and revoke the other keys of its name, in one transaction, while
        the name's active keys are ``replacing``."""
        self._require_current()
        self._keys.activate(client, fingerprint, replacing)

    def revoke_api_keys(self, client: str, name: str, requested_by: str) -> int:
        self._require_current()
        return self._keys.revoke(client, name, requested_by)

    def discard_api_key(self, client: str, fingerprint: str) -> None:
        self._require_current()
        self._keys.discard(client, fingerprint)

    def verify_api_key(self, client: str, secret: str) -> str | None:
        """The name of the active key SECRET is in the relationship, or None."""
        self._require_current()
        return self._keys.verify(client, secret)

    def due_notices(self, today: date) -> list[DueNotice]:
        """The key expiry notices owed on TODAY that the bank has not sent yet."""
        self._require_current()
        return self._keys.due_notices(today)

    def send_notice(
        self, notice: DueNotice, today: date, send: Callable[[DueNotice], None]
    ) -> bool:
        """Send the notice once (recorded in the same transaction); False if sent before."""
        self._require_current()
        return self._keys.send_notice(notice, today, send)

    # --- the bank's own batch ---------------------------------------------------------------

    def automatic_iso_change(self, newest: str, on: date) -> list[Switched]:
        """Switch every camt delivery not on ``newest`` to it (the bank's automatic ISO version
        change, after the parallel phase); one executed order per relationship switched, none
        when nothing is left. See ``OrderDesk.automatic_iso_change``."""
        self._require_current()
        return self._orders.automatic_iso_change(newest, on)

    # --- administration -------------------------------------------------------------------

    def init(self, seed: Path | Sequence[SeededClient]) -> int:
        """Create the tables and seed them from a seed folder, or from the relationships
        :func:`load_bank` read from one; the number of relationships seeded."""
        return self._seed(_loaded(seed))

    def _seed(self, seeded: Sequence[SeededClient]) -> int:
        if self._version != EMPTY:
            raise SandboxError(
                f"the sandbox bank at {self.url} is already initialised",
                hint="`efctl sandbox reset` drops it and seeds it again",
            )
        with self._db.transaction(write=True):
            self._create(seeded)
        self._version = SCHEMA_VERSION
        return len(seeded)

    def reset(self, seed: Path | Sequence[SeededClient]) -> int:
        """Drop every table (of any schema version) and seed again (from a seed folder or the
        relationships read from one, as :meth:`init`), all in one transaction.

        The seed is read first: a bad seed leaves the store as it was.
        """
        seeded = _loaded(seed)
        with self._db.transaction(write=True):
            if self._db.dialect.before_drop:
                self._db.execute(self._db.dialect.before_drop)
            for table in sorted(self._db.tables()):
                self._db.execute(self._db.dialect.drop_table.format(name=table))
            self._create(seeded)
        self._version = SCHEMA_VERSION
        return len(seeded)

    def status(self) -> StoreStatus:
        self._require_current()
        rows = self._db.query(STATUS_QUERY)
        return StoreStatus(
            url=self.url,
            schema_version=self._version,
            clients=tuple(ClientStatus(*row) for row in sorted(rows)),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- inside ---------------------------------------------------------------------------

    def _found_version(self) -> int:
        tables = self._db.tables()
        if not tables:
            return EMPTY
        if "schema_version" not in tables:
            return UNVERSIONED
        (version,) = self._db.query("SELECT MAX(version) FROM schema_version")[0]
        return version or UNVERSIONED

    def _require_current(self) -> None:
        if self._version == SCHEMA_VERSION:
            return
        if self._version == EMPTY:
            raise SandboxError(f"there is no sandbox bank at {self.url}", hint=INIT_HINT)
        found = (
            "no schema version"
            if self._version == UNVERSIONED
            else f"schema version {self._version}"
        )
        raise SandboxError(
            f"the sandbox bank at {self.url} has {found}, "
            f"but this efctl needs schema version {SCHEMA_VERSION}",
            hint="`efctl sandbox reset` drops it and seeds it again (its data is lost)",
        )

    def _create(self, seeded: Sequence[SeededClient]) -> None:
        for statement in create_statements(self._db.dialect.types):
            self._db.execute(statement)
        self._db.insert_many("schema_version", ("version",), [(SCHEMA_VERSION,)])
        for client in seeded:
            self._insert_client(client.state)
            for pending in client.orders:
                self._orders.insert_pending(pending)

    def _insert_client(self, state: ClientState) -> None:
        self._db.insert_many(
            "clients",
            ("id", "name", "language", "serial"),
            [(state.id, state.name, state.language, state.serial)],
        )
        for table, rows in _rows_of(state).items():
            self._db.insert_many(
                table, ("client_id", *COLUMNS[table]), ((state.id, *r) for r in rows)
            )


def open_store(
    url: str,
    *,
    seed_dir: Path | None = None,
    create: bool = False,
    notify: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    clock: Clock = utc_now,
) -> Store:
    """Open the sandbox bank at ``url``.

    A SQLite file that does not exist yet is created and seeded from ``seed_dir`` (read first:
    a bad seed creates nothing) with a notice; without ``seed_dir`` it is an error that creates
    nothing, and so is any other store without tables. ``create`` (for ``efctl sandbox init``
    and ``reset``, once they have read the seed) lets the connection make the SQLite file or
    PostgreSQL schema, left empty for :meth:`Store.init`. ``clock`` (default: now, in UTC)
    dates orders and audit entries.
    """
    file = sqlite_file(url)
    new_file = file is not None and not file.exists()
    if new_file and seed_dir is not None:
        seeded = load_bank(seed_dir)
        store = _opened(connect(url, create=True), clock, seeded)
        noun = "relationship" if len(seeded) == 1 else "relationships"
        notify(
            f"efctl: created the sandbox bank at {store.url} from {seed_dir} ({len(seeded)} {noun})"
        )
        return store
    if new_file and not create:
        raise SandboxError(f"there is no sandbox bank at {display(url)}", hint=INIT_HINT)
    store = _opened(connect(url, create=create), clock)
    if not create and store._version == EMPTY:
        store.close()
        raise SandboxError(f"there is no sandbox bank at {store.url}", hint=INIT_HINT)
    return store


def _loaded(seed: Path | Sequence[SeededClient]) -> Sequence[SeededClient]:
    return load_bank(seed) if isinstance(seed, Path) else seed


def _opened(
    database: Database, clock: Clock, seeded: Sequence[SeededClient] | None = None
) -> Store:
    """The Store on ``database`` (seeded when given), or the database closed again."""
    try:
        store = Store(database, clock)
        if seeded is not None:
            store._seed(seeded)
    except BaseException:
        database.close()
        raise
    return store


# --- rows <-> model, in COLUMNS order ---------------------------------------------------------


def _rows_of(state: ClientState) -> dict[str, list[tuple]]:
    return {
        "contracts": [
            (c.id, c.type, c.name, None if c.allowed is None else json.dumps(list(c.allowed)))
            for c in state.contracts
        ],
        "signatories": [(s.name, s.signature) for s in state.signatories],
        "users": [
            (u.id, u.name, u.email, u.language, u.github, u.admin, u.signing_key)
            for u in state.users
        ],
        "authorizations": [
            (u.id, contract, profile)
            for u in state.users
            for contract, profile in u.authorizations.items()
        ],
        "deliveries": [
            (
                d.id,
                d.contract,
                d.kind,
                d.iso_version,
                d.channel,
                d.frequency,
                d.variant,
                None if d.switched_on is None else d.switched_on.isoformat(),
                d.switched_from,
            )
            for d in state.deliveries
        ],
        "api_keys": [
            (
                k.name,
                k.user,
                k.fingerprint,
                k.created.isoformat(),
                k.expires.isoformat(),
                k.state.value,
            )
            for k in state.api_keys
        ],
    }


def _client_from_rows(
    client_id: str, client: tuple, parts: Mapping[str, list[tuple]]
) -> ClientState:
    name, language, serial = client
    rights: dict[str, dict[str, str]] = {}
    for user_id, contract, profile in parts["authorizations"]:
        rights.setdefault(user_id, {})[contract] = profile
    return client_state(
        id=client_id,
        name=name,
        language=language,
        serial=serial,
        contracts=(
            Contract(id_, type_, name_, None if allowed is None else tuple(json.loads(allowed)))
            for id_, type_, name_, allowed in parts["contracts"]
        ),
        signatories=(Signatory(*row) for row in parts["signatories"]),
        users=(
            UserState(*row[:6], authorizations=rights.get(row[0], {}), signing_key=row[6])
            for row in parts["users"]
        ),
        deliveries=(
            Delivery(*row[:-2], None if row[-2] is None else _as_date(row[-2]), row[-1])
            for row in parts["deliveries"]
        ),
        api_keys=(
            ApiKeyState(name_, user, fingerprint, _as_date(created), _as_date(expires), state)
            for name_, user, fingerprint, created, expires, state in parts["api_keys"]
        ),
    )


def _as_date(value: date | str) -> date:
    """PostgreSQL returns DATE columns as dates, SQLite as the ISO text they were stored as."""
    return value if isinstance(value, date) else date.fromisoformat(value)

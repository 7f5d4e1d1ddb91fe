"""The bank's customer documents: ordering a report, processing it later, fetching the PDF.

DOMAIN.md section 7: ordering is free and needs the Admin right or a physical signing right
(the user is one of the relationship's signatories, matched by name); the bank processes an
order after a while (``delay`` seconds, as the sandbox is configured), and the PDF then appears
under Documents. The sandbox knows no PDF: whoever processes a due order (the application,
which renders it from the bank's state) hands the bytes to :meth:`DocumentDesk.deliver`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from efctl.sandbox.errors import OrderRefused
from efctl.sandbox.orders import Clock, utc_text
from efctl.sandbox.sql import Database

KINDS = ("authorizations", "deliveries")
COLUMNS = (
    "id",
    "client_id",
    "kind",
    "language",
    "ordered_by",
    "ordered_at",
    "due_at",
    "status",
    "filename",
    "ready_at",
)


@dataclass(frozen=True)
class DocumentOrder:
    """One ordered document; times are UTC ISO 8601 to the second."""

    id: str
    client: str
    kind: str  # authorizations | deliveries
    language: str
    ordered_by: str
    ordered_at: str
    due_at: str
    status: str  # pending | ready
    filename: str
    ready_at: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return dict(vars(self))


class DocumentDesk:
    def __init__(self, database: Database, clock: Clock):
        self._db = database
        self._clock = clock

    def order(
        self, client: str, kind: str, language: str, user: str, delay: float
    ) -> DocumentOrder:
        """Take the order of ``user``, due ``delay`` seconds from now; refused (nothing
        written) for an unknown relationship or user, or a user who holds neither the Admin
        right nor a signing right."""
        if kind not in KINDS:
            raise OrderRefused(f"the bank has no document '{kind}'", hint=", ".join(KINDS))
        now = self._clock()
        with self._db.transaction(write=True):
            rows = self._db.query(
                f"SELECT serial FROM clients WHERE id = ?{self._db.dialect.for_update}", (client,)
            )
            if not rows:
                raise OrderRefused(f"there is no client relationship {client} at the bank")
            found = self._db.query(
                "SELECT name, admin FROM users WHERE client_id = ? AND id = ?", (client, user)
            )
            if not found:
                raise OrderRefused(
                    f"{user} is no user of relationship {client}",
                    hint="order as a user of the relationship with the Admin right or a "
                    "signing right",
                )
            name, admin = found[0]
            signatories = {n for (n,) in self._db.query(
                "SELECT name FROM signatories WHERE client_id = ?", (client,)
            )}  # fmt: skip
            if admin == "none" and name not in signatories:
                raise OrderRefused(
                    f"{user} may not order documents of relationship {client}: ordering needs "
                    "the Admin right or a signing right (a signatory of the relationship)",
                    hint="ask a user with the Admin right, or a signatory, to order it",
                )
            ((count,),) = self._db.query(
                "SELECT COUNT(*) FROM documents WHERE client_id = ?", (client,)
            )
            number = count + 1
            document = DocumentOrder(
                id=f"{client}-DOC-{number}",
                client=client,
                kind=kind,
                language=language,
                ordered_by=user,
                ordered_at=_text(now),
                due_at=_text(now + timedelta(seconds=delay)),
                status="pending",
                filename=f"{kind}-{client}-{language}-{number}.pdf",
            )
            self._db.insert_many(
                "documents",
                COLUMNS,
                [tuple(getattr(document, _field(c)) for c in COLUMNS)],
            )
        return document

    def due(self) -> list[DocumentOrder]:
        """Pending orders whose processing time has come, oldest first."""
        now = self._clock()
        pending = self._select("WHERE status = 'pending'", ())
        return [d for d in pending if datetime.fromisoformat(d.due_at) <= now]

    def deliver(self, order_id: str, content: bytes) -> bool:
        """Store the processed PDF; False when another run delivered it first."""
        with self._db.transaction(write=True):
            rows = self._db.query(
                f"SELECT status FROM documents WHERE id = ?{self._db.dialect.for_update}",
                (order_id,),
            )
            if not rows or rows[0][0] != "pending":
                return False
            self._db.execute(
                "UPDATE documents SET status = 'ready', ready_at = ?, content = ? WHERE id = ?",
                (_text(self._clock()), content, order_id),
            )
        return True

    def listing(self, client: str | None = None) -> list[DocumentOrder]:
        if client is None:
            return self._select("", ())
        return self._select("WHERE client_id = ?", (client,))

    def fetch(self, order_id: str) -> tuple[DocumentOrder, bytes | None] | None:
        """The order and, once ready, its PDF; None for an unknown id."""
        found = self._select("WHERE id = ?", (order_id,))
        if not found:
            return None
        ((content,),) = self._db.query("SELECT content FROM documents WHERE id = ?", (order_id,))
        return found[0], (bytes(content) if content is not None else None)

    def _select(self, where: str, params: tuple) -> list[DocumentOrder]:
        rows = self._db.query(
            f"SELECT {', '.join(COLUMNS)} FROM documents {where} ORDER BY ordered_at, id", params
        )
        return [
            DocumentOrder(
                id=row[0],
                client=row[1],
                kind=row[2],
                language=row[3],
                ordered_by=row[4],
                ordered_at=_text(row[5]),
                due_at=_text(row[6]),
                status=row[7],
                filename=row[8],
                ready_at=_text(row[9]) if row[9] is not None else None,
            )
            for row in rows
        ]


def _field(column: str) -> str:
    return "client" if column == "client_id" else column


def _text(moment: datetime | str) -> str:
    """UTC ISO 8601 to the second; PostgreSQL returns datetimes, SQLite the text stored."""
    return utc_text(moment)

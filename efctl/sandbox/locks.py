"""Per-relationship apply locks: one apply of a relationship at a time, across processes.

An apply holds its relationship from reading its state through the evidence, the order and
the key requests to its report line; plans never lock (they only read). A process holds one
relationship at a time (apply takes them one after another), so two applies never wait for
each other in a circle: no deadlock, only a wait, bounded by the timeout.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``, polled until the timeout)
on a 64-bit key hashed from the store's schema and the relationship: advisory locks are per
database, and several banks can live in schemas of one database. The server releases it when
the session ends, so a killed process or a dropped connection frees it at once. Who holds it is
the session's ``application_name`` (PostgreSQL keeps 63 bytes of it: see :func:`holder_line`),
which a waiter finds through ``pg_locks`` and ``pg_stat_activity``.

SQLite: ``flock`` on one lock file per relationship in a folder beside the database
(``bank.db.locks/10432210.lock``), the holder's line written inside. An immediate transaction
would lock as well, but it holds the file's single write lock for the whole apply: every other
relationship's apply, and every order the bank takes meanwhile, would wait for it. A flock is
per relationship, and the kernel releases it when its process dies. (The database's own write
lock still serialises the orders, each a short transaction.) Lock files are never deleted: a
waiter could otherwise lock a file already unlinked while a third process locks a new one.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from efctl.sandbox.errors import RelationshipBusyError, SandboxError
from efctl.sandbox.sql import Database
from reconcile.backend import LockHolder

POLL_SECONDS = 0.1  # how often a waiter tries again
NAME_BYTES = 63  # what PostgreSQL keeps of an application_name
PLAN_DIGITS = 12  # of the plan id's hex digest, in a holder's line
LINE = re.compile(r"efctl ([0-9a-f]+) ([0-9]+) ([0-9]+) (.+)")


def holder_line(plan_id: str, since: datetime) -> str:
    """``efctl 3f2a1b2c3d4e 4711 1764590671 runner-7``: plan, pid, since (seconds since 1970,
    UTC), host; cut to 63 bytes, so that a long host name loses its end, nothing else."""
    plan = plan_id.removeprefix("sha256:")[:PLAN_DIGITS]
    line = f"efctl {plan} {os.getpid()} {int(since.timestamp())} {socket.gethostname()}"
    return line.encode()[:NAME_BYTES].decode(errors="ignore")


def parse_holder(line: str) -> LockHolder | None:
    """The holder a line of :func:`holder_line` names; None for any other text."""
    found = LINE.fullmatch(line.strip())
    if not found:
        return None
    plan, pid, since, host = found.groups()
    return LockHolder(plan, int(pid), host, datetime.fromtimestamp(int(since), UTC))


class Locks(Protocol):
    """One engine's locks: try once, release, and say who holds a lock."""

    def acquire(self, client: str, line: str) -> bool:
        """Take the relationship's lock as LINE's holder if it is free; whether it was."""

    def release(self, client: str) -> None: ...

    def holder(self, client: str) -> tuple[LockHolder | None, str | None]:
        """Who holds the lock: as efctl wrote it (or None), and in words (None: nobody)."""


@contextmanager
def hold(
    locks: Locks,
    client: str,
    plan_id: str,
    timeout: float,
    clock: Callable[[], datetime],
    waiting: Callable[[str], None] | None = None,
) -> Iterator[LockHolder | None]:
    """Hold CLIENT's lock for an apply of PLAN_ID; see :meth:`reconcile.backend.Backend.hold`."""
    deadline = time.monotonic() + timeout
    waited_for: LockHolder | None = None
    holder = None
    while not locks.acquire(client, holder_line(plan_id, clock())):
        seen, holder = locks.holder(client)
        left = deadline - time.monotonic()
        if left <= 0:
            raise RelationshipBusyError(client, holder or "another apply", timeout)
        if waiting and not waited_for and seen:
            waiting(
                f"relationship {client} is being applied by {holder}; waiting up to {timeout:g} s"
            )
        waited_for = waited_for or seen
        time.sleep(min(POLL_SECONDS, left))
    try:
        yield waited_for
    finally:
        locks.release(client)


def locks_of(database: Database) -> Locks:
    """The locks of the store on DATABASE."""
    if database.dialect.name == "postgresql":
        return AdvisoryLocks(database)
    [(_, _, file)] = database.query("PRAGMA database_list")[:1]
    return FileLocks(Path(file + ".locks"))


HOLDER_QUERY = """
SELECT a.pid, a.application_name
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
  AND l.classid::bigint = ? AND l.objid::bigint = ?"""


class AdvisoryLocks:
    """PostgreSQL: session-level advisory locks, the holder named by its application_name."""

    def __init__(self, database: Database):
        self._db = database
        self._keys: dict[str, int] = {}

    def acquire(self, client: str, line: str) -> bool:
        # Named before it is taken: whoever sees the lock held sees its holder's name.
        self._db.execute("SELECT set_config('application_name', ?, false)", (line,))
        [(taken,)] = self._db.query("SELECT pg_try_advisory_lock(?)", (self._key(client),))
        if not taken:
            self._db.execute("RESET application_name")  # a waiter holds nothing
        return taken

    def release(self, client: str) -> None:
        # A connection gone has taken its session's lock with it; the error that ended it is
        # the one to report.
        with suppress(SandboxError):
            self._db.execute("SELECT pg_advisory_unlock(?)", (self._key(client),))
            self._db.execute("RESET application_name")

    def holder(self, client: str) -> tuple[LockHolder | None, str | None]:
        key = self._key(client)
        rows = self._db.query(HOLDER_QUERY, ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF))
        if not rows:
            return None, None
        [(pid, name)] = rows
        found = parse_holder(name or "")
        if found:
            return found, found.text()
        named = f" (application_name {name!r})" if name else ""  # not efctl's: say what we know
        return None, f"PostgreSQL session {pid}{named}"

    def _key(self, client: str) -> int:
        if client not in self._keys:
            [(key,)] = self._db.query(
                "SELECT hashtextextended(coalesce(current_schema(), '') || ':' || ?, 0)",
                (client,),
            )
            self._keys[client] = key
        return self._keys[client]


class FileLocks:
    """SQLite: an flock on FOLDER/<client>.lock, the holder's line inside."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._held: dict[str, int] = {}  # client -> the open lock file

    def acquire(self, client: str, line: str) -> bool:
        path = self._path(client)
        try:
            self._folder.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SandboxError(
                f"cannot lock relationship {client} in {path}: {exc.strerror}",
                hint=f"apply needs to create and write lock files in {self._folder}",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{line}\n".encode())
        self._held[client] = fd
        return True

    def release(self, client: str) -> None:
        fd = self._held.pop(client)
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the file releases its flock

    def holder(self, client: str) -> tuple[LockHolder | None, str | None]:
        path = self._path(client)
        try:
            line = path.read_text(encoding="utf-8", errors="replace").strip()
        except FileNotFoundError:
            return None, None
        found = parse_holder(line)
        if found:
            return found, found.text()
        return None, f"the process holding {path} ({line!r})" if line else None

    def _path(self, client: str) -> Path:
        if not re.fullmatch(r"[0-9]+", client):  # ids are digits (the plan schema): a name
            raise SandboxError(f"relationship id {client!r} is not a number")
        return self._folder / f"{client}.lock"

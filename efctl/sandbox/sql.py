"""One connection and its dialect: the only place where SQL text meets a database driver.

Statements are written once with ``?`` placeholders and the type words of ``ddl.py``; a
:class:`Dialect` carries what differs between SQLite and PostgreSQL, nothing more. Every driver
error becomes a :class:`SandboxError` naming the store.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from efctl.sandbox.errors import SandboxError

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_SECONDS = 5
# URL parameters whose values are never shown: password, sslpassword, and their kin.
SECRET_KEY = re.compile(r"password|secret|token", re.IGNORECASE)


@dataclass(frozen=True)
class Dialect:
    name: str
    placeholder: str
    types: Mapping[str, str]  # the type words of ddl.py
    begin_read: str
    begin_write: str
    list_tables: str
    drop_table: str  # with {name}
    for_update: str  # appended to a SELECT to lock its rows until the transaction ends
    lock_audit: str | None  # serialises appends to the bank-wide audit chain
    before_drop: str | None = None  # run inside the transaction, before dropping tables

    def parametrised(self, statement: str) -> str:
        if self.placeholder == "?":
            return statement
        return statement.replace("%", "%%").replace("?", self.placeholder)


SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    types={"blob": "BLOB", "date": "TEXT", "timestamp": "TEXT"},
    begin_read="BEGIN",
    begin_write="BEGIN IMMEDIATE",
    list_tables="SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    drop_table='DROP TABLE IF EXISTS "{name}"',
    # BEGIN IMMEDIATE already holds the one write lock of the whole file.
    for_update="",
    lock_audit=None,
    # Dropping a parent table deletes its rows first; checking references at COMMIT, when
    # every table is gone, lets the tables go in any order.
    before_drop="PRAGMA defer_foreign_keys = ON",
)

POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    types={"blob": "BYTEA", "date": "DATE", "timestamp": "TIMESTAMPTZ"},
    begin_read="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    begin_write="BEGIN",
    list_tables=(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    ),
    drop_table='DROP TABLE IF EXISTS "{name}" CASCADE',
    for_update=" FOR UPDATE",
    # Two relationships' orders run side by side; their audit entries must still take
    # consecutive seqs, each linked to the one before.
    lock_audit="LOCK TABLE audit IN EXCLUSIVE MODE",
)


class Database:
    """A connection in autocommit mode; :meth:`transaction` brackets work in BEGIN/COMMIT.

    ``trace``, when set, sees every statement before it runs (debugging, query counting).
    """

    def __init__(
        self,
        connection: Any,
        dialect: Dialect,
        where: str,
        errors: tuple[type[Exception], ...],
    ):
        self.dialect = dialect
        self.where = where  # the store as the user should see it: sql.display(url)
        self.trace: Callable[[str], None] | None = None
        self._connection = connection
        self._errors = errors
        self._depth = 0

    def execute(self, statement: str, params: Sequence[Any] | None = None) -> None:
        self._run(statement, params)

    def query(self, statement: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._run(statement, params, fetch=True)

    def insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self._run(statement, rows, many=True)

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK on any exception; an inner call joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.execute(self.dialect.begin_write if write else self.dialect.begin_read)
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self.execute("COMMIT")

    def tables(self) -> set[str]:
        return {name for (name,) in self.query(self.dialect.list_tables)}

    def close(self) -> None:
        self._connection.close()

    def _rollback(self) -> None:
        # If the connection is gone, the error that brought us here is the one to report.
        with suppress(SandboxError):
            self._run("ROLLBACK", None)

    def _run(self, statement: str, params, *, fetch: bool = False, many: bool = False):
        if params is not None:
            statement = self.dialect.parametrised(statement)
        if self.trace is not None:
            self.trace(statement)
        try:
            cursor = self._connection.cursor()
            try:
                if many:
                    cursor.executemany(statement, params)
                elif params is None:
                    cursor.execute(statement)
                else:
                    cursor.execute(statement, params)
                return cursor.fetchall() if fetch else None
            finally:
                cursor.close()
        except self._errors as exc:
            raise SandboxError(
                f"the sandbox bank at {self.where} failed: {_first_line(exc)}"
            ) from exc


def connect(url: str, *, create: bool = False) -> Database:
    """A Database for ``sqlite:///PATH`` or ``postgresql://...[?schema=NAME]``.

    Nothing is created unless ``create``: then a missing SQLite file (with its folder) or
    PostgreSQL schema is made; without it a missing SQLite file is an error.
    """
    file = sqlite_file(url)
    if file is not None:
        return _connect_sqlite(file, create)
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:  # the URL itself cannot be shown: it may hold a password
        raise SandboxError(f"the sandbox bank URL cannot be read: {exc}") from exc
    if scheme in POSTGRES_SCHEMES:
        return _connect_postgres(url, create)
    raise SandboxError(
        f"unknown sandbox bank URL {display(url)!r}",
        hint="use sqlite:///PATH (relative) or sqlite:////PATH (absolute) or postgresql://...",
    )


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL, None for any other URL."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX) :]
    if not path:
        raise SandboxError("the sqlite URL names no file", hint="use sqlite:///.efctl/sandbox.db")
    return Path(path)


def display(url: str) -> str:
    """The store as every message and output shows it: a SQLite file by its path, any other URL
    with each password (``user:PASSWORD@``, ``?password=``, ``sslpassword=``...) as ``***``."""
    if url.startswith(SQLITE_PREFIX):
        return url[len(SQLITE_PREFIX) :]
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    netloc = f"{user}:***@{host}" if colon else parts.netloc
    query = "&".join(
        f"{key}=***" if _is_secret(key) else f"{key}{eq}{value}"
        for key, eq, value in _pairs(parts.query)
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _pairs(query: str) -> list[tuple[str, str, str]]:
    """``a=1&b=2`` as written: [("a", "=", "1"), ("b", "=", "2")]."""
    return [pair.partition("=") for pair in query.split("&")]


def _is_secret(key: str) -> bool:
    return SECRET_KEY.search(unquote(key)) is not None


def _scrub(text: str, url: str) -> str:
    """A driver's message without any password of ``url`` (libpq quotes bad parts of a URL)."""
    parts = urlsplit(url)
    secrets = [parts.netloc.rpartition("@")[0].partition(":")[2]]
    secrets += [value for key, _, value in _pairs(parts.query) if _is_secret(key)]
    for secret in sorted({*secrets, *map(unquote, secrets)} - {""}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _connect_sqlite(file: Path, create: bool) -> Database:
    try:
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            f"file:{quote(str(file))}?mode={'rwc' if create else 'rw'}",
            uri=True,
            isolation_level=None,
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
        connection.execute("PRAGMA foreign_keys = ON")
    except (OSError, sqlite3.Error) as exc:
        raise SandboxError(f"cannot open the sandbox bank at {file}: {exc}") from exc
    return Database(connection, SQLITE, str(file), (sqlite3.Error,))


def _connect_postgres(url: str, create: bool) -> Database:
    try:
        import psycopg
    except ImportError as exc:
        raise SandboxError(
            "a PostgreSQL sandbox bank needs the psycopg driver",
            hint="pip install 'efctl[postgres]'",
        ) from exc
    conninfo, schema = _split_schema(url)
    where = display(url)
    timeout_given = "connect_timeout" in dict(parse_qsl(urlsplit(url).query))
    options = {} if timeout_given else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    try:
        connection = psycopg.connect(conninfo, autocommit=True, **options)
    except psycopg.Error as exc:
        raise SandboxError(
            f"cannot connect to the sandbox bank at {where}: {_scrub(_first_line(exc), url)}",
            hint="is the server running and the URL right? (postgresql://USER@HOST:PORT/DB)",
        ) from exc
    database = Database(connection, POSTGRES, where, (psycopg.Error,))
    if schema:
        if create:
            database.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        # A schema that does not exist leaves current_schema() NULL: no tables, nothing created.
        database.execute(f'SET search_path TO "{schema}"')
    return database


def _split_schema(url: str) -> tuple[str, str | None]:
    """Take ``schema=NAME`` out of the query: libpq does not know it, we SET search_path. The
    rest of the query goes to libpq as written: decoding and encoding it again would turn an
    encoded space (``options=-c%20...``) into a ``+``, which libpq reads as a plus."""
    parts = urlsplit(url)
    pairs = [pair for pair in parts.query.split("&") if pair]
    schemas = [unquote(pair.partition("=")[2]) for pair in pairs if _key(pair) == "schema"]
    rest = "&".join(pair for pair in pairs if _key(pair) != "schema")
    schema = schemas[-1] if schemas else None
    if schema is not None and not _is_identifier(schema):
        raise SandboxError(
            f"schema name {schema!r} in the sandbox bank URL is not allowed",
            hint="use lowercase letters, digits and '_', starting with a letter or '_'",
        )
    return urlunsplit(parts._replace(query=rest)), schema


def _key(pair: str) -> str:
    return unquote(pair.partition("=")[0])


def _is_identifier(name: str) -> bool:
    return re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) is not None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""From paths to checked declarations: load, schema, convert, semantic checks, located and sorted.

Every problem of a run is collected; a file with load or schema errors still gets the semantic
checks of the part the schema accepted (accepted.py), but is not handed on to planning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from efctl.declarations.accepted import accepted_spec
from efctl.declarations.cache import ParseCache
from efctl.declarations.convert import to_client_spec
from efctl.declarations.loader import (
    LoadedDocument,
    known_document,
    parse_document,
    read_content,
)
from efctl.declarations.parallel import map_in_processes
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
from reconcile.backend import Backend
from reconcile.catalog import Catalog
from reconcile.checks import EXPIRY_WARNING_DAYS, NO_GAPS, Gaps, check_client
from reconcile.diagnostics import Diagnostic, Severity, error, warning
from reconcile.model import ClientSpec, ClientState
from reconcile.resolve import ClientResolution, resolve_client
from reconcile.secrets import secret_diagnostics

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedClient:
    document: LoadedDocument
    spec: ClientSpec
    resolution: ClientResolution | None = None  # against the bank's contracts, when it was read


@dataclass(frozen=True)
class Validation:
    clients: tuple[LoadedClient, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: int

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)

    def client(self, client_id: str) -> LoadedClient | None:
        return next((c for c in self.clients if c.spec.id == client_id), None)


def discover(
    paths: Iterable[Path], display, root: Path | None = None
) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """Declaration files under the given paths, each once, sorted per folder.

    A missing path is an error, and so is finding no declaration at all (a misspelt folder
    must not plan "no changes"); a file that looks like a declaration but is not read is a
    warning, so nobody wonders why their edit in ``c.YAML`` has no effect. With the
    repository's ``root``, a file inside it that a symbolic link leads out of it is an error:
    what is reviewed in the repository is what is applied, not a file elsewhere on the runner.
    """
    found: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    folders: list[Path] = []
    escapes: list[Diagnostic] = []  # files found and refused: the folder is not empty
    seen: set[tuple[int, int]] = set()

    def add(file: Path) -> None:
        if root is not None and (escape := _leads_outside(file, root)) is not None:
            escapes.append(escape.at(display(file), None, None))
            return
        identity = (status := file.stat()).st_dev, status.st_ino
        if identity not in seen:  # the same file by two names, or a file inside a folder given
            seen.add(identity)
            found.append((file, display(file)))

    for path in paths:
        if path.is_dir():
            folders.append(path)
            for candidate in sorted(path.rglob("*")):
                if (skipped := _skipped(candidate)) is not None:
                    problems.append(skipped.at(display(candidate), None, None))
                elif candidate.suffix in YAML_SUFFIXES and candidate.is_file():
                    add(candidate)
        elif path.is_file():
            add(path)
        else:
            unread = (
                error("EF006", "not a regular file", hint=_NOT_REGULAR)
                if path.exists()
                else error("EF006", "no such file or folder", hint=_NAME_A_PATH)
            )
            problems.append(unread.at(display(path), None, None))
    if not found and not escapes:
        hint = "a declaration file ends in .yaml or .yml; is this the right folder?"
        message = "no declaration (*.yaml, *.yml) in this folder"
        problems.extend(
            error("EF008", message, hint=hint).at(display(f), None, None) for f in folders
        )
    return found, problems + escapes


_LEFT_OVER = re.compile(r"\.ya?ml(?:\.[^.]+|~)$", re.IGNORECASE)  # c.yaml.bak, c.yaml~, .c.yaml.swp


def _skipped(candidate: Path) -> Diagnostic | None:
    """Why a file that looks like a declaration is not read; None for other files."""
    suffix = candidate.suffix
    if candidate.is_dir():
        return None
    if suffix in YAML_SUFFIXES:
        if candidate.is_symlink() and not candidate.exists():
            hint = f"the link points to {os.readlink(candidate)}, which does not exist"
            return warning("EF009", "skipped: a symbolic link to nothing", hint=hint)
        if not candidate.is_file():
            return warning("EF009", "skipped: not a regular file", hint=_NOT_REGULAR)
        return None
    if suffix.lower() in YAML_SUFFIXES:
        message = f"skipped: the suffix {suffix} is not lowercase"
        hint = f"rename it to {candidate.stem}{suffix.lower()} to have it read"
        return warning("EF009", message, hint=hint)
    if _LEFT_OVER.search(candidate.name):
        hint = "only *.yaml and *.yml files are read; delete it if it is left over"
        return warning("EF009", "skipped: a backup or editor file", hint=hint)
    return None


def _leads_outside(file: Path, root: Path) -> Diagnostic | None:
    """The refusal of a file in the repository that symbolic links lead out of it, or None."""
    top = root.resolve()
    if not file.absolute().is_relative_to(top) or (real := file.resolve()).is_relative_to(top):
        return None  # named outside the repository on purpose, or it stays inside
    message = f"a symbolic link leads outside the repository, to {real}"
    hint = "declarations are read from the repository, where they are reviewed; copy it in"
    return error("EF006", message, hint=hint)


_NOT_REGULAR = "a declaration is a plain file, not a pipe, socket or device"
_NAME_A_PATH = "name a declaration file or a folder"


def validate(
    paths: Sequence[Path],
    *,
    catalog: Catalog,
    bank: Backend | None,
    today: date,
    display=str,
    cache_dir: Path | None = None,
    jobs: int = 1,
    bank_files: Container[Path] | None = None,
    root: Path | None = None,
    expiry_warning_days: int = EXPIRY_WARNING_DAYS,
) -> Validation:
    """Every declaration under PATHS checked; with CACHE_DIR, clean declarations read before
    are taken from the parse cache there (cache.py) instead of being parsed and checked again;
    with the repository's ROOT, links out of it are refused (:func:`discover`). An ``until``
    within EXPIRY_WARNING_DAYS of TODAY, or past, is warned about.

    JOBS > 1 parses and schema-checks the files the cache does not know in that many processes
    (parallel.py); the bank's checks and the resolution stay here, where the bank is read once.
    With BANK_FILES, only the files (as discovered) in it are checked against the bank; the
    others are checked as offline (``efctl plan --changed-since`` plans only those).
    """
    files, diagnostics = discover(paths, display, root)
    schema = with_catalog(load_schema("client"), catalog)
    cache = ParseCache.open(cache_dir, schema) if cache_dir is not None and files else None
    reads = _read_all(files, schema, cache, jobs)
    clients: list[LoadedClient] = []
    for (path, shown), (read, clean) in zip(files, reads, strict=True):
        online = bank is not None and (bank_files is None or path in bank_files)
        problems, spec, resolution = check_read(
            read,
            catalog,
            bank.read_client if online else None,
            today,
            warn_days=expiry_warning_days,
        )
        diagnostics.extend(problems)
        if spec is not None:
            clients.append(LoadedClient(read.document, spec, resolution))
            if cache is not None and not clean:
                cache.put(shown, read.document.content, read.document.data)
    if cache is not None:
        cache.save()
    diagnostics.extend(_declared_twice(clients))
    return Validation(
        clients=tuple(clients),
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.sort_key)),
        files=len(files),
    )


def _read_all(
    files: Sequence[tuple[Path, str]], schema: dict, cache: ParseCache | None, jobs: int
) -> list[tuple[Read, bool]]:
    """Each file loaded and checked against the schema, in order, with whether the parse cache
    knew it; what the cache does not know is parsed in JOBS processes when JOBS > 1."""
    reads: list[tuple[Read, bool] | None] = []
    unparsed: list[tuple[int, bytes, str, Path]] = []
    for path, shown in files:
        content = read_content(path, shown)
        if isinstance(content, LoadedDocument):  # unreadable: nothing to parse
            reads.append((with_spec(read_document(content, schema), schema), False))
        elif cache is not None and (data := cache.get(shown, content)) is not None:
            document = known_document(content, shown, data, path)
            reads.append((read_document(document, schema, clean=True), True))
        else:
            unparsed.append((len(reads), content, shown, path))
            reads.append(None)
    items = [(content, shown, path) for _, content, shown, path in unparsed]
    parsed = map_in_processes(
        _parse if jobs <= 1 else _parse_portable, items, jobs, setup=_share, setup_args=(schema,)
    )
    for (at, *_), read in zip(unparsed, parsed, strict=True):
        reads[at] = (with_spec(read, schema), False)
    return reads  # type: ignore[return-value]  # every None was filled just above


_SCHEMA: dict = {}  # the schema every file of a run is checked against, in each process


def _share(schema: dict) -> None:
    global _SCHEMA
    _SCHEMA = schema


def _parse(item: tuple[bytes, str, Path]) -> Read:
    content, shown, path = item
    return read_document(replace(parse_document(content, shown), source=path), _SCHEMA)


def _parse_portable(item: tuple[bytes, str, Path]) -> Read:
    """:func:`_parse` in a worker process: a clean document goes back with its data and bytes
    only, its marks found again (by parsing it here) only if a later check has to place a
    diagnostic in it, as for a document the parse cache knew; its spec is made here."""
    read = _parse(item)
    document = read.document
    if read.broken:  # kept with its marks: the parent places the semantic checks' problems
        return read
    portable = known_document(document.content, document.path, document.data, document.source)
    return replace(read, document=portable, spec=None)


@dataclass(frozen=True)
class Read:
    """One document loaded and checked against the schema, before the bank is asked: what a
    worker process hands back (then without a spec, see :func:`with_spec`)."""

    document: LoadedDocument
    problems: tuple[Diagnostic, ...]
    spec: ClientSpec | None  # of a broken document: of the part the schema accepted
    broken: bool  # load or schema problems: the spec is checked, never planned
    gaps: Gaps | None = None  # of a broken document's spec; None: nothing left out


def read_document(document: LoadedDocument, schema: dict, *, clean: bool = False) -> Read:
    """The load and schema problems of DOCUMENT, and the spec of a document without any;
    ``clean``: the document is known to load and fit the schema (the parse cache says so)."""
    problems = list(document.diagnostics)
    if document.data is None:
        return Read(document, tuple(problems), None, True)
    if not clean:
        problems.extend(schema_diagnostics(document, schema))
    if not problems:
        return Read(document, (), to_client_spec(document.data), False)
    return Read(document, tuple(problems), None, True)


def with_spec(read: Read, schema: dict) -> Read:
    """The read with its spec: of a clean document that came back from a worker as data only
    (specs are three times the data to hand across), or of the part of a broken one the schema
    accepted (a duplicate key or a schema error), so that its semantic checks still run."""
    if read.spec is not None or read.document.data is None:
        return read
    if not read.broken:
        return replace(read, spec=to_client_spec(read.document.data))
    spec_and_gaps = accepted_spec(read.document, list(read.problems), schema)
    if spec_and_gaps is None:
        return read
    spec, gaps = spec_and_gaps
    return replace(read, spec=spec, gaps=gaps)


def check_read(
    read: Read,
    catalog: Catalog,
    read_client: Callable[[str], ClientState | None] | None,
    today: date,
    *,
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> tuple[list[Diagnostic], ClientSpec | None, ClientResolution | None]:
    """All located problems of a read document; its spec only when it loaded and fits the
    schema, with its resolution against the bank's contracts when the bank knows the
    relationship. ``read_client`` is the bank's side of a relationship, None to validate
    offline; ``warn_days``: how long before an ``until`` it is warned about."""
    problems = list(read.problems)
    spec, document = read.spec, read.document
    if spec is None:
        return problems, None, None
    online = read_client is not None
    state = read_client(spec.id) if online else None
    resolution = (
        resolve_client(spec, state.contracts, catalog) if state and not read.broken else None
    )
    checks = check_client(
        spec,
        state,
        catalog,
        today,
        bank_known=online,
        gaps=read.gaps or NO_GAPS,
        resolution=resolution,
        expiry_warning_days=warn_days,
    )
    problems.extend(document.place(d) for d in checks)
    problems.extend(document.place(d) for d in secret_diagnostics(document.data))
    return problems, (None if read.broken else spec), resolution


def check_document(
    document: LoadedDocument,
    schema: dict,
    catalog: Catalog,
    read_client: Callable[[str], ClientState | None] | None,
    today: date,
    *,
    clean: bool = False,
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> tuple[list[Diagnostic], ClientSpec | None, ClientResolution | None]:
    """:func:`read_document` then :func:`check_read`: one document checked whole;
    ``warn_days``: how long before an ``until`` it is warned about."""
    read = with_spec(read_document(document, schema, clean=clean), schema)
    return check_read(read, catalog, read_client, today, warn_days=warn_days)


def _declared_twice(clients: Sequence[LoadedClient]) -> list[Diagnostic]:
    first: dict[str, LoadedClient] = {}
    problems = []
    for loaded in clients:
        earlier = first.setdefault(loaded.spec.id, loaded)
        if earlier is not loaded:
            problems.append(
                loaded.document.place(
                    error(
                        "EF114",
                        f"client relationship {loaded.spec.id} is already declared in "
                        f"{earlier.document.path}",
                        pointer=("client", "id"),
                        hint="keep one file per client relationship; merge the two",
                    )
                )
            )
    return problems

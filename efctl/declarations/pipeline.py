"""From paths to checked declarations: load, schema, convert, semantic checks, located and sorted.

Every problem of a run is collected; a file with load or schema errors still gets the semantic
checks of the part the schema accepted (accepted.py), but is not handed on to planning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from efctl.declarations.accepted import accepted_spec
from efctl.declarations.cache import ParseCache
from efctl.declarations.convert import to_client_spec
from efctl.declarations.loader import LoadedDocument, load_document
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
from reconcile.backend import Backend
from reconcile.catalog import Catalog
from reconcile.checks import EXPIRY_WARNING_DAYS, NO_GAPS, check_client
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
    root: Path | None = None,
    expiry_warning_days: int = EXPIRY_WARNING_DAYS,
) -> Validation:
    """Every declaration under PATHS checked; with CACHE_DIR, clean declarations read before
    are taken from the parse cache there (cache.py) instead of being parsed and checked again;
    with the repository's ROOT, links out of it are refused (:func:`discover`). An ``until``
    within EXPIRY_WARNING_DAYS of TODAY, or past, is warned about."""
    files, diagnostics = discover(paths, display, root)
    schema = with_catalog(load_schema("client"), catalog)
    cache = ParseCache.open(cache_dir, schema) if cache_dir is not None and files else None
    clients: list[LoadedClient] = []
    for path, shown in files:
        document = load_document(path, display=shown, known=cache and cache.get)
        clean = cache is not None and cache.knows(document)
        state = bank.read_client if bank is not None else None
        problems, spec, resolution = check_document(
            document, schema, catalog, state, today, clean=clean, warn_days=expiry_warning_days
        )
        diagnostics.extend(problems)
        if spec is not None:
            clients.append(LoadedClient(document, spec, resolution))
            if cache is not None and not clean:
                cache.put(shown, document.content, document.data)
    if cache is not None:
        cache.save()
    diagnostics.extend(_declared_twice(clients))
    return Validation(
        clients=tuple(clients),
        diagnostics=tuple(sorted(diagnostics, key=lambda d: d.sort_key)),
        files=len(files),
    )


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
    """All located problems of one document; its spec only when it loaded and fits the schema,
    with its resolution against the bank's contracts when the bank knows the relationship.

    ``read_client`` is the bank's side of a relationship, None to validate offline;
    ``clean``: the document is known to load and fit the schema (the parse cache says so);
    ``warn_days``: how long before an ``until`` it is warned about.
    """
    problems = list(document.diagnostics)
    if document.data is None:
        return problems, None, None
    if not clean:
        problems.extend(schema_diagnostics(document, schema))
    broken = bool(problems)
    if broken:  # a duplicate key or a schema error: check the part the schema accepted
        accepted = accepted_spec(document, problems, schema)
        if accepted is None:
            return problems, None, None
        spec, gaps = accepted
    else:
        spec, gaps = to_client_spec(document.data), NO_GAPS
    online = read_client is not None
    state = read_client(spec.id) if online else None
    resolution = resolve_client(spec, state.contracts, catalog) if state and not broken else None
    checks = check_client(
        spec,
        state,
        catalog,
        today,
        bank_known=online,
        gaps=gaps,
        resolution=resolution,
        expiry_warning_days=warn_days,
    )
    problems.extend(document.place(d) for d in checks)
    problems.extend(document.place(d) for d in secret_diagnostics(document.data))
    return problems, (None if broken else spec), resolution


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

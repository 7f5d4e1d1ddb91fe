"""Settings: command-line flag, then EFCTL_* environment variable, then efctl.yaml, then default.

efctl.yaml is looked up from the working directory upwards; relative paths in it are relative to
the folder that holds it (the repository root), so commands behave the same from any sub-folder.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from efctl.declarations.loader import LoadedDocument, load_document
from efctl.errors import EfctlError
from reconcile.checks import EXPIRY_WARNING_DAYS
from reconcile.diagnostics import Diagnostic, error

CONFIG_NAME = "efctl.yaml"
DEFAULT_STORE = ".efctl/sandbox.db"
SANDBOX = "sandbox"  # EFCTL_BACKEND=sandbox (or backend: sandbox): the local sandbox, by name
DEFAULT_DOCUMENT_DELAY = 5.0  # seconds: the sandbox bank's processing time of a document order
DEFAULT_LOCK_TIMEOUT = 300.0  # seconds apply waits for a relationship held elsewhere: CI queues


@dataclass(frozen=True)
class Settings:
    root: Path
    clients: tuple[Path, ...]
    seed: Path
    bank_url: str
    catalog: Path | None
    today: date
    rotate_before_days: int | None = None  # efctl.yaml's, over the catalog's
    expiry_warning_days: int = (
        EXPIRY_WARNING_DAYS  # validate warns this many days before an entry's until
    )
    smtp_url: str | None = None  # EFCTL_SMTP_URL, else efctl.yaml's smtp: the sandbox's notices
    no_bank: EfctlError | None = None  # in CI with no bank named: raised when one is needed
    # seconds the sandbox bank takes to process an ordered document (efctl report order)
    document_delay: float = DEFAULT_DOCUMENT_DELAY
    # SOURCE_DATE_EPOCH (reproducible builds): the moment reports are made as of, when set
    source_date: datetime | None = None
    # seconds apply waits while another apply holds a relationship, then reports it not applied
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT

    @property
    def backend(self) -> str:
        """The bank's URL. Raised here, not at start, so that what needs no bank (completion,
        ``validate --offline``, ``show``) works in CI without one."""
        if self.no_bank is not None:
            raise self.no_bank
        return self.bank_url

    def display(self, path: Path) -> str:
        return _display(path)


def _display(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when possible.

    Symbolic links are not followed: ``clients/x.yaml`` linked to a file elsewhere is still
    shown as ``clients/x.yaml``, the name the user knows.
    """
    absolute = Path(os.path.normpath(path.absolute()))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


# What each setting is, in the words of a hint.
SETTINGS = {
    "clients": "the folder (or a list of folders and files) holding the declarations",
    "seed": "the folder of the sandbox bank's seed, e.g. examples/bank",
    "backend": "sqlite:///PATH or postgresql://…",
    "catalog": "a catalog file overriding the packaged one",
    "document_delay": "seconds the sandbox bank takes to process an ordered document, e.g. 5",
    "rotate_before_days": "API keys expiring within this many days are rotated (catalog: 30)",
    "smtp": "smtp://[USER:PASSWORD@]HOST[:PORT][?starttls=true&from=ADDR] or smtps://… for notices",
    "expiry_warning_days": "validate warns this many days before an entry's until (default 14)",
    "lock_timeout": "seconds apply waits for a relationship another apply holds, e.g. 300",
}
NUMBERS = ("document_delay", "lock_timeout")  # settings that are numbers, not text
DAYS = ("rotate_before_days", "expiry_warning_days")  # settings that are whole days
_TYPES = {list: "a list", dict: "a mapping", bool: "true or false"}


def _read_config(path: Path) -> dict:
    """The settings of efctl.yaml; every mistake in it a located diagnostic, all raised at once."""
    shown = _display(path)
    document = load_document(path, display=shown)
    problems = list(document.diagnostics)
    if [d.code for d in problems] == ["EF007"]:  # not a mapping: say what efctl.yaml is
        if problems[0].message == "the document is empty":
            return {}  # every setting has its default
        hint = "efctl.yaml maps settings to values, e.g. 'clients: clients'"
        problems = [replace(problems[0], hint=hint)]
    problems.extend(_setting_problems(document))
    if problems:
        raise EfctlError(
            f"{shown} has errors (listed above)",
            hint='fix them and run again (README "Configuration" describes every setting)',
            diagnostics=sorted(problems, key=lambda d: d.sort_key),
        )
    return document.data


def _setting_problems(document: LoadedDocument) -> list[Diagnostic]:
    data = document.data if isinstance(document.data, dict) else {}
    problems = []
    for key, value in data.items():
        if key not in SETTINGS:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            maybe = f"; did you mean '{close[0]}'?" if close else ""
            hint = f"settings: {', '.join(SETTINGS)}"
            unknown = error("EF010", f"unknown setting '{key}'{maybe}", (key,), hint)
            problems.append(unknown.at(document.path, *document.locate((key,), key=True)))
        elif key == "clients" and isinstance(value, list):
            problems.extend(
                document.place(_wrong_type(f"clients[{index}]", item, (key, index), "a string"))
                for index, item in enumerate(value)
                if not isinstance(item, str)
            )
        elif key in NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(
                    document.place(
                        _wrong_type(key, value, (key,), "a number of seconds, 0 or more")
                    )
                )
        elif key in DAYS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                wrong = _wrong_type(key, value, (key,), "a whole number of days")
                if isinstance(value, int) and not isinstance(value, bool):
                    wrong = replace(wrong, message=f"{key} must be 0 or more, not {value}")
                problems.append(document.place(replace(wrong, hint=f"{key}: {SETTINGS[key]}")))
        elif not isinstance(value, str):
            wanted = "a string or a list" if key == "clients" else "a string"
            problems.append(document.place(_wrong_type(key, value, (key,), wanted)))
    return problems


def _wrong_type(label: str, value: object, pointer: tuple, wanted: str) -> Diagnostic:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    kind = ("a negative number" if value < 0 else "a number") if number else None
    kind = kind or ("empty" if value is None else _TYPES.get(type(value), "a value"))
    hint = f"{pointer[0]}: {SETTINGS[pointer[0]]}"
    if kind == "a number" and pointer[0] not in NUMBERS:
        hint = f'put it in quotes to keep it text: "{value}"'
    return error("EF012", f"{label} must be {wanted}, not {kind}", pointer, hint)


def _today(raw: str | None) -> date:
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise EfctlError(f"EFCTL_TODAY={raw!r} is not a date", hint="use YYYY-MM-DD") from exc


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{path}"


def load_settings(
    *,
    backend: str | None = None,
    catalog: str | None = None,
    cwd: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    config_path = find_config(cwd)
    root = config_path.parent if config_path else cwd
    data = _read_config(config_path) if config_path else {}

    clients = data.get("clients", "clients")
    clients = clients if isinstance(clients, list) else [clients]
    chosen_catalog = catalog or env.get("EFCTL_CATALOG") or data.get("catalog")
    chosen_backend = backend or env.get("EFCTL_BACKEND") or data.get("backend")
    unnamed = env.get("EFCTL_BACKEND") == "" or not chosen_backend
    if not chosen_backend or chosen_backend == SANDBOX:
        chosen_backend = sqlite_url(DEFAULT_STORE)
    return Settings(
        root=root,
        clients=tuple(root / c for c in clients),
        seed=root / env.get("EFCTL_SEED", data.get("seed", "examples/bank")),
        bank_url=_anchor_sqlite(chosen_backend, root),
        catalog=(root / chosen_catalog) if chosen_catalog else None,
        today=_today(env.get("EFCTL_TODAY")),
        document_delay=_seconds("EFCTL_DOCUMENT_DELAY", env, data, DEFAULT_DOCUMENT_DELAY),
        lock_timeout=_seconds("EFCTL_LOCK_TIMEOUT", env, data, DEFAULT_LOCK_TIMEOUT),
        source_date=_source_date(env.get("SOURCE_DATE_EPOCH")),
        rotate_before_days=data.get("rotate_before_days"),
        expiry_warning_days=data.get("expiry_warning_days", EXPIRY_WARNING_DAYS),
        smtp_url=env.get("EFCTL_SMTP_URL") or data.get("smtp"),
        no_bank=(
            _no_backend_in_ci(env.get("EFCTL_BACKEND"))
            if _in_ci(env) and not backend and unnamed
            else None
        ),
    )


def _seconds(variable: str, env: Mapping[str, str], data: dict, default: float) -> float:
    """EFCTL_X (VARIABLE), else efctl.yaml's x (checked in _setting_problems), else DEFAULT."""
    raw = env.get(variable)
    if raw is None or raw == "":
        configured = data.get(variable.removeprefix("EFCTL_").lower())
        return float(default if configured is None else configured)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise EfctlError(
            f"{variable}={raw!r} is not a number of seconds",
            hint=f"use a number of seconds, 0 or more, e.g. {variable}={default:g}",
        )
    return seconds


def _source_date(raw: str | None) -> datetime | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org): seconds since 1970, UTC; empty: unset."""
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise EfctlError(
            f"SOURCE_DATE_EPOCH={raw!r} is not a number of seconds since 1970",
            hint="set it to an integer, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)",
        ) from exc


def _in_ci(env: Mapping[str, str]) -> bool:
    return any(env.get(name, "").lower() == "true" for name in ("CI", "GITHUB_ACTIONS"))


def _no_backend_in_ci(variable: str | None) -> EfctlError:
    """In CI, a bank nobody named is a mistake (mostly a secret that does not exist, which a
    workflow passes as ""), never a quiet use of efctl.yaml's backend or of the sandbox: an
    apply could report success without touching the bank."""
    where = (
        "EFCTL_BACKEND is empty: in CI, efctl does not fall back to efctl.yaml's backend or the "
        "sandbox"
        if variable == ""
        else "no backend is set (EFCTL_BACKEND, --backend or efctl.yaml's backend): in CI, "
        "efctl does not fall back to the sandbox"
    )
    return EfctlError(
        where,
        hint="set EFCTL_BACKEND to the bank's URL (in a workflow, check that its secret exists "
        "and is not empty), or to 'sandbox' (or sqlite:///PATH) to use a sandbox on purpose",
    )


def _anchor_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the repository root, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/"):
        return sqlite_url(root / url[len(prefix) :])
    return url

"""Settings: command-line flag, then EFCTL_* environment variable, then efctl.yaml, then default.

efctl.yaml is looked up from the working directory upwards; relative paths in it are relative to
the folder that holds it (the repository root), so commands behave the same from any sub-folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from efctl.errors import EfctlError

CONFIG_NAME = "efctl.yaml"
DEFAULT_STORE = ".efctl/sandbox.db"
KNOWN_KEYS = {"clients", "seed", "backend", "catalog"}


@dataclass(frozen=True)
class Settings:
    root: Path
    clients: tuple[Path, ...]
    seed: Path
    backend: str
    catalog: Path | None
    today: date

    def display(self, path: Path) -> str:
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


def _read_config(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EfctlError(f"{path}: cannot read the settings: {exc}") from exc
    if not isinstance(data, dict):
        raise EfctlError(f"{path}: the settings must be a mapping of keys to values")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise EfctlError(
            f"{path}: unknown setting(s): {', '.join(unknown)}",
            hint=f"known settings: {', '.join(sorted(KNOWN_KEYS))}",
        )
    return data


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
    chosen_backend = (
        backend or env.get("EFCTL_BACKEND") or data.get("backend") or sqlite_url(DEFAULT_STORE)
    )
    return Settings(
        root=root,
        clients=tuple(root / c for c in clients),
        seed=root / env.get("EFCTL_SEED", data.get("seed", "examples/bank")),
        backend=_anchor_sqlite(chosen_backend, root),
        catalog=(root / chosen_catalog) if chosen_catalog else None,
        today=_today(env.get("EFCTL_TODAY")),
    )


def _anchor_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the repository root, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/"):
        return sqlite_url(root / url[len(prefix) :])
    return url

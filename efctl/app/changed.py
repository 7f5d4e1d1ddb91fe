"""`efctl plan --changed-since REF`: the declaration files that differ from a git revision.

Compared is REF with the working tree as it is (committed, staged, unstaged and untracked
files alike), so the same command works on a laptop and on a pull request's checked-out head.
A renamed file counts by its new path (renames are not followed: the old path is deleted, and
a deleted declaration plans nothing). When efctl.yaml or the configured catalog changed, every
relationship may plan differently, so every one is planned.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from efctl.app.plan import rev_parse
from efctl.config import CONFIG_NAME
from efctl.errors import EfctlError


@dataclass(frozen=True)
class Changed:
    """What changed since ``ref`` (the commit ``commit``): ``paths`` (absolute, folders
    resolved), and ``everything`` when efctl.yaml or the catalog is among them."""

    ref: str
    commit: str
    paths: frozenset[Path]
    everything: bool

    def __contains__(self, path: object) -> bool:
        return isinstance(path, Path) and _key(path) in self.paths

    def option(self) -> dict[str, Any]:
        """How the plan records it (``options.changed_since``), so views say it is partial."""
        return {"ref": self.ref, "commit": self.commit, "all": self.everything}


def changed_since(root: Path, ref: str, catalog: Path | None) -> Changed:
    """The files of ROOT's git work tree that differ from REF, or why that cannot be known."""
    top = rev_parse(root, "--show-toplevel")
    if top is None:
        raise EfctlError(
            f"--changed-since {ref}: {root} is not in a git work tree",
            hint="--changed-since compares with a git revision; run it in the repository",
        )
    commit = rev_parse(root, "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if commit is None:
        raise EfctlError(
            f"--changed-since {ref}: git knows no commit by that name",
            hint="name a branch, tag or commit; in a shallow checkout fetch it first "
            "(git fetch origin main, or actions/checkout with fetch-depth: 0)",
        )
    base = Path(top)
    names = _git_names(base, "diff", "--name-only", "-z", "--no-renames", commit, "--")
    names += _git_names(base, "ls-files", "-z", "--others", "--exclude-standard")
    paths = frozenset(_key(base / name) for name in names)
    settings_files = [root / CONFIG_NAME, *([catalog] if catalog is not None else [])]
    return Changed(ref, commit, paths, any(_key(f) in paths for f in settings_files))


def _key(path: Path) -> Path:
    """PATH absolute with its folders' links resolved, not its own: git names a linked
    declaration by the link, and so does the plan."""
    absolute = Path(os.path.abspath(path))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def _git_names(top: Path, *args: str) -> list[str]:
    """The NUL-separated file names a git command prints, relative to the work tree's top."""
    try:
        done = subprocess.run(
            ["git", "-C", str(top), *args], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EfctlError(f"--changed-since: git could not be run: {exc}") from exc
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise EfctlError(f"--changed-since: git {args[0]} failed: {said}")
    return [os.fsdecode(name) for name in done.stdout.split(b"\0") if name]

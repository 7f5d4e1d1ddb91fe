"""Secret sinks: where a new API key's secret goes, the one time the bank shows it.

``--secrets-dir DIR`` writes one file per key (mode 0600, created with O_EXCL, so an existing
file is never overwritten); DIR must be a real directory (no symbolic link), outside the
repository's work tree, and closed to group and others. ``--secrets-command CMD`` runs CMD
with ``/bin/sh -c``, the secret on its standard input and the key's name, relationship and
expiry in ``EFCTL_KEY_NAME``, ``EFCTL_CLIENT`` and ``EFCTL_KEY_EXPIRES``.

In GitHub Actions (``GITHUB_ACTIONS=true``) each secret is first announced with
``::add-mask::`` on standard output, before anything else could print it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from efctl.app.plan import rev_parse
from efctl.errors import EfctlError
from reconcile.apply import KeySink, SinkError
from reconcile.backend import IssuedKey

SINK_HINT = (
    "give a secret sink: --secrets-dir DIR (a private directory outside the repository) or "
    "--secrets-command CMD (the secret on its stdin, e.g. a vault's or `gh secret set NAME`)"
)
COMMAND_TIMEOUT = 120  # seconds a sink command may take


def key_filename(key: IssuedKey) -> str:
    """``CLIENT.NAME.FINGERPRINT.key``: a rotation's new key gets a file of its own."""
    return f"{key.client}.{key.name}.{key.fingerprint.removeprefix('sha256:')}.key"


def directory_sink(directory: Path, repository: Path) -> KeySink:
    """Checked now, before anything is applied; each key is then one new file."""
    problem = _unsafe_directory(directory, repository)
    if problem:
        raise EfctlError(
            f"--secrets-dir {directory}: {problem}; nothing was applied",
            hint="use a private directory outside the repository, e.g. "
            "`mkdir -m 700 ~/efctl-secrets`",
        )

    def write(key: IssuedKey) -> None:
        path = directory / key_filename(key)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise SinkError(f"cannot create {path}: {exc.strerror}") from None
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, (key.secret + "\n").encode("ascii"))
            os.fsync(fd)
        except OSError as exc:
            raise SinkError(f"cannot write {path}: {exc.strerror}") from None
        finally:
            os.close(fd)

    return write


def _unsafe_directory(directory: Path, repository: Path) -> str | None:
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return "no such directory"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link; name the directory itself"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_mode & 0o077:
        return (
            f"is open to group or others (mode {stat.S_IMODE(info.st_mode):o}); "
            "`chmod 700` it first"
        )
    real = directory.resolve()
    for tree in {repository.resolve(), *_work_tree(repository)}:
        if real == tree or tree in real.parents:
            return f"is inside the repository's work tree ({tree}): a secret could be committed"
    return None


def _work_tree(repository: Path) -> list[Path]:
    """The git work tree around ``repository``, if it is in one."""
    top = rev_parse(repository, "--show-toplevel")
    return [Path(top).resolve()] if top else []


def command_sink(command: str, environ: Mapping[str, str] | None = None) -> KeySink:
    def run(key: IssuedKey) -> None:
        env = dict(os.environ if environ is None else environ)
        env |= {
            "EFCTL_KEY_NAME": key.name,
            "EFCTL_CLIENT": key.client,
            "EFCTL_KEY_EXPIRES": key.expires.isoformat(),
        }
        try:
            done = subprocess.run(
                ["/bin/sh", "-c", command],
                input=key.secret + "\n",
                text=True,
                env=env,
                stdout=subprocess.DEVNULL,  # never into efctl's own output (JSON, reports)
                stderr=subprocess.PIPE,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SinkError(f"the secrets command did not run to its end ({exc})") from None
        if done.stderr:
            sys.stderr.write(done.stderr)
        if done.returncode != 0:
            raise SinkError(f"the secrets command exited with {done.returncode}")

    return run


def masked(sink: KeySink, environ: Mapping[str, str], out: Callable[[str], None]) -> KeySink:
    """In GitHub Actions, ``::add-mask::SECRET`` before the secret goes anywhere."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return sink

    def mask_then(key: IssuedKey) -> None:
        out(f"::add-mask::{key.secret}")
        sink(key)

    return mask_then


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def make_sink(
    secrets_dir: Path | None,
    secrets_command: str | None,
    repository: Path,
    environ: Mapping[str, str] | None = None,
    out: Callable[[str], None] = _stdout,
) -> KeySink | None:
    if secrets_dir is not None and secrets_command is not None:
        raise EfctlError("give either --secrets-dir or --secrets-command, not both")
    env = os.environ if environ is None else environ
    if secrets_dir is not None:
        return masked(directory_sink(secrets_dir, repository), env, out)
    if secrets_command is not None:
        return masked(command_sink(secrets_command, environ), env, out)
    return None


# --- efctl keys list | check -------------------------------------------------------------


@dataclass(frozen=True)
class KeyListing:
    """Every API key the bank holds (never a secret: the bank has none), with days left."""

    today: date
    within: int
    keys: tuple[dict, ...]

    @property
    def expiring(self) -> tuple[dict, ...]:
        return tuple(k for k in self.keys if k["days_left"] <= self.within)

    def as_json(self) -> dict:
        return {
            "as_of": self.today.isoformat(),
            "within": self.within,
            "keys": list(self.keys),
            "expiring": [f"{k['client']}/api_keys/{k['name']}" for k in self.expiring],
        }


def list_keys(bank, today: date, within: int, clients: Sequence[str] = ()) -> KeyListing:
    from efctl.declarations.convert import normalise_client_id

    held = bank.list_clients()
    wanted = [normalise_client_id(c) for c in clients]
    unknown = [c for c in wanted if c not in held]
    if unknown:
        raise EfctlError(
            f"--client {', '.join(unknown)}: no such relationship at the bank",
            hint=f"relationships at the bank: {', '.join(held) or 'none'}",
        )
    keys = []
    for client in wanted or held:
        state = bank.read_client(client)
        for key in sorted(state.api_keys, key=lambda k: (k.name, k.created, k.fingerprint)):
            keys.append(
                {
                    "client": client,
                    "name": key.name,
                    "user": key.user,
                    "fingerprint": key.fingerprint,
                    "state": key.state.value,
                    "created": key.created.isoformat(),
                    "expires": key.expires.isoformat(),
                    "days_left": (key.expires - today).days,
                }
            )
    return KeyListing(today, within, tuple(keys))

"""Writing the files a user asked for: never through a link, never half-written.

efctl runs in CI next to checked-out, possibly hostile content: a ``plan.json`` or
``artifacts/…pdf`` planted as a symlink must not redirect a write elsewhere. A reviewed plan
or an audit export is evidence: a write cut short (kill, full disk) must leave the earlier
file as it was, not a truncated one. Every OSError is the user's to fix (path, permissions,
space), so it becomes an EfctlError that names the path.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from efctl.errors import EfctlError

HINTS = {
    errno.ENOTDIR: "a folder on the way to it is a file; choose another path",
    errno.EACCES: "choose a folder you may write to",
    errno.EPERM: "choose a folder you may write to",
    errno.EROFS: "choose a folder on a writable file system",
    errno.ENOSPC: "free some disk space and run again",
    errno.EDQUOT: "free some disk space and run again",
    errno.EFBIG: "the file is larger than this system allows; choose another file system",
}


def write_file(path: Path, data: str | bytes, *, mode: int = 0o644) -> None:
    """Replace PATH with DATA (text as UTF-8) atomically, creating missing folders.

    The data goes to a new temporary file next to PATH (O_EXCL, so no planted name is
    followed), is synced, then renamed over PATH and the folder synced: readers see the old
    file or the new one, never part of it. ``os.replace`` replaces a link that appears after
    the check rather than following it. MODE is set as given, independent of the umask.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _refuse_other_than_a_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(payload)
                file.flush()
                os.fchmod(file.fileno(), mode)
                os.fsync(file.fileno())
            os.replace(temporary, path)
            _sync_folder(path.parent)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _failed("write", path, exc) from exc


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: it is recorded in the folder."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_file(path: Path) -> None:
    """Remove PATH if it is a regular file; a link, folder or device there is left alone."""
    try:
        if stat.S_ISREG(os.lstat(path).st_mode):
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _failed("remove", path, exc) from exc


def _failed(action: str, path: Path, exc: OSError) -> EfctlError:
    return EfctlError(f"cannot {action} {path}: {exc.strerror or exc}", hint=HINTS.get(exc.errno))


def _refuse_other_than_a_file(path: Path) -> None:
    """An EfctlError when PATH exists as anything but a regular file (a link is refused, not
    followed); OSError when it cannot be looked at."""
    try:
        kind = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(kind):
        return
    if stat.S_ISLNK(kind):
        what = "a symbolic link"
    elif stat.S_ISDIR(kind):
        what = "a folder"
    else:
        what = "a device, FIFO or socket"
    raise EfctlError(
        f"cannot write {path}: it is {what}, not a regular file",
        hint="remove it or choose another path",
    )

"""The parse cache: a declaration read and schema-checked before is not read again.

What is kept is the plain data of each *clean* declaration (no load or schema diagnostic),
under a key made of the file's name as shown, its exact bytes, efctl's version, the source of
this package, PyYAML's version and the schema with the catalog in it: any edit, a new efctl
or another catalog misses. A hit gives the data and lazy marks: the file is parsed again
only if a diagnostic has to be placed in it. A document with a problem is never cached.

All entries of a run are one pack file, ``.efctl/cache/declarations``, written atomically
(efctl.files.write_file) once per run, only when it changed. It is signed with a key kept
outside the repository (``$XDG_CACHE_HOME/efctl/cache.key``, else ``~/.cache/efctl/``), so a
pack committed into a branch cannot make efctl plan from anything but the files. A pack that
is missing, corrupt, of another format or unsigned is ignored, never an error; so is a cache
folder that cannot be written.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import marshal
import os
import secrets
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from efctl.declarations.loader import LoadedDocument
from efctl.errors import EfctlError
from efctl.files import write_file

MAGIC = b"efctl parse cache 1\n"
PACK = "declarations"
_SOURCES = ("loader.py", "schema.py", "convert.py", "accepted.py", "cache.py")


class ParseCache:
    """The clean declarations of earlier runs, by the digest of their name and bytes."""

    def __init__(self, folder: Path, salt: bytes, key: bytes):
        self.folder = folder
        self._salt = salt
        self._key = key
        self._old: dict[bytes, bytes] = _read_pack(folder / PACK, key)
        self._new: dict[bytes, bytes] = {}
        self._known: dict[int, Any] = {}

    @classmethod
    def open(cls, folder: Path, schema: dict) -> ParseCache | None:
        """The cache in FOLDER for declarations checked against SCHEMA; None when unusable."""
        key = _signing_key()
        if key is None:
            return None
        return cls(folder, _salt(schema), key)

    def _entry(self, name: str, content: bytes) -> bytes:
        digest = hashlib.sha256(self._salt)
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(content)
        return digest.digest()

    def get(self, name: str, content: bytes) -> Any | None:
        """The data of the clean declaration NAME with exactly CONTENT, or None."""
        entry = self._entry(name, content)
        packed = self._old.get(entry)
        if packed is None:
            return None
        try:
            data = marshal.loads(packed)
        except (ValueError, EOFError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        self._new[entry] = packed
        self._known[id(data)] = data  # kept: an id is not reused while the run goes on
        return data

    def knows(self, document: LoadedDocument) -> bool:
        """Whether DOCUMENT's data came from this cache: it is clean, its schema checked."""
        return self._known.get(id(document.data)) is document.data

    def put(self, name: str, content: bytes, data: Any) -> None:
        """Remember DATA as what the clean declaration NAME with CONTENT reads as."""
        with contextlib.suppress(ValueError):  # not plain data: nothing to remember
            self._new[self._entry(name, content)] = marshal.dumps(data)

    def save(self) -> None:
        """Write this run's entries, if they differ from the pack read (best effort)."""
        if self._new.keys() == self._old.keys():
            return
        body = marshal.dumps(self._new)
        signature = hmac.new(self._key, body, hashlib.sha256).digest()
        with contextlib.suppress(EfctlError):  # a read-only checkout still plans, cold
            write_file(self.folder / PACK, MAGIC + signature + body)


def _read_pack(path: Path, key: bytes) -> dict[bytes, bytes]:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError:
        return {}
    if not raw.startswith(MAGIC):
        return {}
    signature, body = raw[len(MAGIC) : len(MAGIC) + 32], raw[len(MAGIC) + 32 :]
    if not hmac.compare_digest(signature, hmac.new(key, body, hashlib.sha256).digest()):
        return {}
    try:
        entries = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, bytes) and isinstance(v, bytes)}


def _salt(schema: dict) -> bytes:
    """What, besides a file's name and bytes, decides how it reads: efctl and the schema."""
    try:
        version = metadata.version("efctl")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(MAGIC)
    digest.update(f"{version}\0{yaml.__version__}\0".encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(b"missing " + name.encode())
    digest.update(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode())
    return digest.digest()


def _signing_key() -> bytes | None:
    """This user's key for the cache (made on first use), or None when there is no place."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "efctl" / "cache.key"
    try:
        with open(path, "rb") as file:
            key = file.read()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        write_file(path, key, mode=0o600)
    except EfctlError:
        return None
    return key

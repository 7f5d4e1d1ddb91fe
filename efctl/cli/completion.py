"""Shell completion of client and user ids, read from the declarations (click's shell_complete).

Completion runs at every Tab, so it reads each declaration with PyYAML's C loader (about ten
times faster than efctl's strict loader) and takes only ids and names; ``validate`` still
judges the files. A traceback in the middle of a prompt helps no one: a file or setting that
cannot be read is skipped, and completion never raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from click.shell_completion import CompletionItem


@dataclass(frozen=True)
class Declared:
    id: str
    name: str
    users: tuple[tuple[str, str], ...]  # (id, name)


def complete_client(ctx: click.Context, param: click.Parameter, incomplete: str):
    """The declared client ids that start with what is typed, each with its name."""
    from efctl.declarations.convert import normalise_client_id

    typed = normalise_client_id(incomplete)
    return [
        CompletionItem(client.id, help=client.name)
        for client in _declared(ctx)
        if client.id.startswith(typed)
    ]


def complete_user(ctx: click.Context, param: click.Parameter, incomplete: str):
    """The user ids of the client typed before (CLIENT), each with the user's name."""
    from efctl.declarations.convert import normalise_client_id

    client_id = normalise_client_id(str(ctx.params.get("client") or ""))
    return [
        CompletionItem(user_id, help=name)
        for client in _declared(ctx)
        if client.id == client_id
        for user_id, name in client.users
        if user_id.startswith(incomplete)
    ]


def _declared(ctx: click.Context) -> Iterator[Declared]:
    """The declarations in the paths on the command line, else in the configured folders
    (what it reads is imported here: completion is loaded with every command line)."""
    from efctl.config import load_settings
    from efctl.declarations.pipeline import discover

    try:
        paths = [Path(p) for p in ctx.params.get("paths") or ()] or load_settings().clients
        files, _ = discover(paths, str)
    except Exception:  # a broken efctl.yaml or folder: no suggestions, not a traceback
        return
    for path, _ in files:
        try:
            declared = _read(path)
        except Exception:  # unreadable, not YAML, not shaped like a declaration
            continue
        if declared is not None:
            yield declared


def _read(path: Path) -> Declared | None:
    import yaml

    from efctl.declarations.convert import normalise_client_id
    from efctl.declarations.loader import MAX_BYTES

    with open(path, "rb") as stream:
        content = stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return None
    data = yaml.load(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    client = data["client"]
    users = tuple(
        (str(user["id"]), str(user.get("name", "")))
        for user in data.get("users") or ()
        if isinstance(user, dict) and "id" in user
    )
    return Declared(normalise_client_id(str(client["id"])), str(client.get("name", "")), users)

"""The part of a declaration the schema accepted, so that its semantic checks still run.

A file with a typo in one e-mail address must still be told about its unknown copy_from:
all problems of a run are reported at once. Each node with a load or schema problem is left
out (a missing required key leaves out its parent), and the rest is validated again until it
is schema-valid; ``to_client_spec`` can then trust it. What was left out becomes ``Gaps``, so
the checks skip what depends on it instead of reporting false follow-on errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from efctl.declarations.convert import to_client_spec
from efctl.declarations.loader import LoadedDocument
from efctl.declarations.schema import schema_diagnostics
from reconcile.checks import Gaps
from reconcile.diagnostics import Diagnostic, Pointer
from reconcile.model import ClientSpec

# Read by no check: a broken version is reported, and leaves every check standing.
_UNCHECKED = {("version",)}


def accepted_spec(
    document: LoadedDocument, problems: Iterable[Diagnostic], schema: dict
) -> tuple[ClientSpec, Gaps] | None:
    """The spec of the accepted part and what it leaves out; None when the client is broken."""
    original = document.data
    dropped: set[Pointer] = set()
    view, pointers = original, {d.pointer for d in problems}
    while True:
        unusable = {_node_to_drop(view, pointer) for pointer in pointers} - {None}
        new = {_origin(original, dropped, pointer) for pointer in unusable}
        if () in new:
            return None  # no client id or no users list: every check depends on them
        if new <= dropped:
            break
        dropped |= new
        view = _without(original, dropped, ())
        view_document = replace(document, data=view)
        pointers = {d.pointer for d in schema_diagnostics(view_document, schema)}
    spec = to_client_spec(view)
    return spec, Gaps(
        unsure=frozenset(_unsure_users(original, dropped)),
        origin=lambda pointer: _origin(original, dropped, pointer),
    )


def _node_to_drop(data: Any, pointer: Pointer) -> Pointer | None:
    """The node a problem makes unusable: the node itself, or the parent of a missing key."""
    if pointer[:1] in _UNCHECKED:
        return None
    node = data
    for end, part in enumerate(pointer):
        if not _has(node, part):
            return pointer[:end]
        node = node[part]
    return pointer


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return isinstance(node, dict) and part in node


def _without(node: Any, dropped: set[Pointer], at: Pointer) -> Any:
    if isinstance(node, dict):
        return {
            key: _without(value, dropped, (*at, key))
            for key, value in node.items()
            if (*at, key) not in dropped
        }
    if isinstance(node, list):
        return [
            _without(item, dropped, (*at, index))
            for index, item in enumerate(node)
            if (*at, index) not in dropped
        ]
    return node


def _origin(data: Any, dropped: set[Pointer], pointer: Pointer) -> Pointer:
    """A pointer into the accepted part, as a pointer into the document (list items shift)."""
    result: list[str | int] = []
    node = data
    for part in pointer:
        if isinstance(node, list) and isinstance(part, int):
            kept = [i for i in range(len(node)) if (*result, i) not in dropped]
            part = kept[part] if part < len(kept) else part
            node = node[part] if part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        result.append(part)
    return tuple(result)


def _unsure_users(data: dict, dropped: set[Pointer]) -> Iterable[str]:
    """Ids of users with a part left out: they count as declared, their rights are unknown."""
    users = data.get("users")
    for index, user in enumerate(users if isinstance(users, list) else ()):
        left_out = any(p[:2] == ("users", index) for p in dropped)
        if left_out and isinstance(user, dict) and isinstance(user.get("id"), str):
            yield user["id"]

"""Editing a declaration file in place: the smallest change, its comments, order and quotes kept.

``efctl expire`` and ``efctl adopt`` change a file people wrote and review: rewriting it as
``efctl import`` would lose their comments and order, and make the pull request's diff say
more than what changed. ruamel.yaml's round trip keeps the text it does not touch byte for
byte; the file's indentation is measured and kept, lines are never re-wrapped. New entries are
written the way import writes them: short mappings (a ``single`` entry, an API key) on one line.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from efctl.errors import EfctlError
from reconcile.diagnostics import Pointer
from reconcile.edits import Edit, Op

EMPTIED = frozenset({"single", "exclude", "api_keys", "overrides", "authorizations"})
_SAFE = YAML(typ="safe", pure=True)


def edit_declaration(text: str, edits: Sequence[Edit], name: str) -> str:
    """TEXT with EDITS made: sets and appends first, then removals from the last node back,
    so that every pointer means what it meant in TEXT; a list or mapping the removals empty
    goes too (``single: []`` says nothing)."""
    yaml = _round_trip(text)
    try:
        document = yaml.load(text)
    except YAMLError as exc:  # the caller validated TEXT: this is a file changed meanwhile
        raise EfctlError(f"{name} cannot be read for editing: {exc}") from exc
    for edit in edits:
        if edit.op is Op.SET:
            parent, key = _parent(document, edit.pointer, create=edit.value is not None)
            if edit.value is None:
                if parent is not None and key in parent:
                    del parent[key]
            else:
                parent[key] = _node(edit.value)
        elif edit.op is Op.APPEND:
            parent, key = _parent(document, edit.pointer, create=True)
            if key not in parent:
                parent[key] = CommentedSeq()
            parent[key].append(_node(edit.value, inline=edit.pointer[-1] != "users"))
    removals = sorted((e.pointer for e in edits if e.op is Op.REMOVE), key=_order, reverse=True)
    for pointer in removals:
        parent, key = _parent(document, pointer, create=False)
        del parent[key]
        _drop_emptied(document, pointer[:-1])
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _round_trip(text: str) -> YAML:
    """A round-trip YAML that writes back with the file's own indentation."""
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except YAMLError:
        sequence, offset = None, None
    yaml.indent(mapping=2, sequence=sequence or 4, offset=2 if offset is None else offset)
    return yaml


def _parent(document: Any, pointer: Pointer, *, create: bool) -> tuple[Any, str | int]:
    """The node holding POINTER's last part; with CREATE, missing mappings on the way."""
    node = document
    for part in pointer[:-1]:
        if isinstance(part, str) and part not in node:
            if not create:
                return None, pointer[-1]
            node[part] = CommentedMap()
        node = node[part]
    return node, pointer[-1]


def _drop_emptied(document: Any, pointer: Pointer) -> None:
    """Remove the node at POINTER if a removal emptied it, and so on upwards."""
    while pointer and pointer[-1] in EMPTIED:
        parent, key = _parent(document, pointer, create=False)
        if parent is None or key not in parent or len(parent[key]):
            return
        del parent[key]
        pointer = pointer[:-1]


def _order(pointer: Pointer) -> tuple:
    """Removals from the end: later list items before earlier ones."""
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in pointer)


def _node(value: Any, *, inline: bool = True) -> Any:
    """Plain data as YAML nodes: a mapping of scalars on one line (when INLINE), lists of
    scalars on one line, other mappings and lists in block style."""
    if isinstance(value, dict):
        node = CommentedMap((k, _node(v)) for k, v in value.items())
        if inline and all(not isinstance(v, dict | list) for v in value.values()):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        node = CommentedSeq(_node(v) for v in value)
        if all(not isinstance(v, dict | list) for v in value):
            node.fa.set_flow_style()
        return node
    if isinstance(value, str) and not _reads_as(value):
        return DoubleQuotedScalarString(value)  # "2019", "10432210": text, as import writes it
    return value


def _reads_as(text: str) -> bool:
    """Does TEXT, written plain, read back as the same string?"""
    try:
        return _SAFE.load(text) == text
    except YAMLError:
        return False

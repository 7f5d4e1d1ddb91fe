"""Read one YAML document into plain data, with the line and column of every node.

PyYAML's safe loading still keeps the last of two duplicate keys without a word, expands
aliases without bound, turns ``2025-03-01`` into a date and ``no`` into ``False``. A
declaration that is reviewed and applied to a bank must not be read differently from how it
looks, so this loader composes PyYAML's node graph itself and builds the data by hand: YAML 1.2
core-schema scalars only (as the editor's yaml-language-server reads them), every refusal a
located Diagnostic, and never an exception for any input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.dumper import SafeDumper
from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from reconcile.diagnostics import Diagnostic, Pointer, error

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml: the pure path reads everything
    _CParser = None

MAX_BYTES = 1024 * 1024
MAX_ALIAS_NODES = 10_000  # nodes that aliases may add to a document; a normal reuse adds tens
MAX_DEPTH = 64  # a declaration nests about 6 levels deep

Position = tuple[int, int]

_YAML_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_YAML_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP = _YAML_TAG + "seq", _YAML_TAG + "map"

# The YAML 1.2 core schema: the only scalars a plain value (and an explicit !!tag) may be.
_CORE_SCALARS: dict[str, re.Pattern[str]] = {
    NULL: re.compile(r"(?:~|null|Null|NULL|)\Z"),
    BOOL: re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z"),
    INT: re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z"),
    FLOAT: re.compile(
        r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
    ),
    STR: re.compile(r".*\Z", re.DOTALL),
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_TAGS_BY_KIND = {ScalarNode: tuple(_CORE_SCALARS), SequenceNode: (SEQ,), MappingNode: (MAP,)}


@dataclass(frozen=True)
class LoadedDocument:
    path: str  # as the user named it; used in diagnostics
    data: Any | None  # plain Python values; None when nothing could be read
    marks: Mapping[Pointer, Position]  # 1-based (line, col) of each node's value
    key_marks: Mapping[Pointer, Position]  # 1-based (line, col) of each mapping key
    diagnostics: tuple[Diagnostic, ...]  # located load problems (EF001..EF007)
    content: bytes = b""  # the exact bytes read, once: what was validated is what is digested
    source: Path | None = None  # the file as discovered, symbolic links not followed

    def locate(self, pointer: Pointer, *, key: bool = False) -> Position:
        """(line, col) of the node, or of its deepest existing ancestor."""
        pointer = tuple(pointer)
        if key and pointer in self.key_marks:
            return self.key_marks[pointer]
        for end in range(len(pointer), -1, -1):
            if pointer[:end] in self.marks:
                return self.marks[pointer[:end]]
        return (1, 1)

    def place(self, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic with file/line/col filled from its pointer (a set line is kept)."""
        if diagnostic.line is not None:
            return diagnostic.at(diagnostic.file or self.path, diagnostic.line, diagnostic.col)
        return diagnostic.at(self.path, *self.locate(diagnostic.pointer))


def load_document(
    path: Path,
    display: str | None = None,
    known: Callable[[str, bytes], Any | None] | None = None,
) -> LoadedDocument:
    """Read and parse one file; an unreadable or oversized file is a diagnostic, not an error.

    ``known(name, content)`` is the parse cache: the data of a clean document read before, or
    None; a known document is not parsed (see :func:`known_document`).
    """
    name = display if display is not None else str(path)
    content = read_content(path, name)
    if isinstance(content, LoadedDocument):
        return content
    if known is not None and (data := known(name, content)) is not None:
        return known_document(content, name, data, path)
    return replace(parse_document(content, name), source=path)


def read_content(path: Path, name: str) -> bytes | LoadedDocument:
    """The file's bytes (at most one more than the limit), or the document saying why it could
    not be read: the part of loading that is not parsing, so parsing can happen elsewhere."""
    try:
        with open(path, "rb") as stream:
            return stream.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        unread = _refused(name, error("EF006", f"cannot read the file: {reason}"), (1, 1))
        return replace(unread, source=path)


def known_document(content: bytes, name: str, data: Any, source: Path | None) -> LoadedDocument:
    """A clean document whose data is known (the parse cache): it has no diagnostics, and its
    marks are found, by parsing it again, only when something asks where a node is."""
    again = _Reparse(content, name)
    marks, key_marks = _LazyMarks(again, "marks"), _LazyMarks(again, "key_marks")
    return LoadedDocument(name, data, marks, key_marks, (), content, source)


class _Reparse:
    def __init__(self, content: bytes, name: str):
        self.content, self.name = content, name

    @cached_property
    def document(self) -> LoadedDocument:
        return _parse(self.content, self.name)


class _LazyMarks(Mapping):
    def __init__(self, again: _Reparse, which: str):
        self._again, self._which = again, which

    def _marks(self) -> Mapping[Pointer, Position]:
        return getattr(self._again.document, self._which)

    def __getitem__(self, pointer: Pointer) -> Position:
        return self._marks()[pointer]

    def __contains__(self, pointer: object) -> bool:
        return pointer in self._marks()

    def __iter__(self) -> Iterator[Pointer]:
        return iter(self._marks())

    def __len__(self) -> int:
        return len(self._marks())


def parse_document(content: bytes | str, path: str) -> LoadedDocument:
    """Parse one YAML document; any input gives a LoadedDocument, problems as diagnostics."""
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return replace(_parse(raw, path), content=raw)


def _parse(raw: bytes, path: str) -> LoadedDocument:
    if len(raw) > MAX_BYTES:
        message = f"the file is larger than the limit of {MAX_BYTES:,} bytes (1 MiB)"
        hint = "a declaration of even thousands of users is far smaller; is this the right file?"
        return _refused(path, error("EF005", message, hint=hint), (1, 1))
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark may open the stream (YAML 1.2, 5.2)
    except UnicodeDecodeError as exc:
        read = exc.object[: exc.start].decode("utf-8")  # the valid text before the bad byte
        message = f"the file is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})"
        hint = "save the file as UTF-8"
        return _refused(path, error("EF006", message, hint=hint), _end_position(read))
    if (inner := text.find("\ufeff")) >= 0:  # invisible inside a name or id: refused
        message = "the file contains U+FEFF (a byte order mark) after its start"
        hint = "remove the invisible character; only the very start of a file may hold one"
        return _refused(path, error("EF006", message, hint=hint), _end_position(text[:inner]))
    if FAST and (fast := _fast_build(text, path)) is not None:
        return fast
    try:
        return _Builder(path).build(_compose(text))
    except _Refusal as refusal:
        return _refused(path, refusal.diagnostic, refusal.position)
    except ReaderError as exc:
        message = f"the file contains the control character U+{exc.character:04X}"
        hint = "a declaration is plain text; remove the character"
        return _refused(path, error("EF006", message, hint=hint), _text_position(text, exc))
    except MarkedYAMLError as exc:
        return _refused(path, *_syntax_error(exc))
    except YAMLError as exc:  # unmarked: PyYAML gives no position
        return _refused(path, error("EF001", f"YAML syntax error: {exc}"), (1, 1))


def _refused(path: str, diagnostic: Diagnostic, position: Position) -> LoadedDocument:
    return LoadedDocument(path, None, {}, {}, (diagnostic.at(path, *position),))


class _Refusal(Exception):
    """Stops reading: the document cannot be turned into data at all."""

    def __init__(self, diagnostic: Diagnostic, position: Position):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.position = position


def _position(mark: Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


# --- composing: PyYAML's reader, scanner and parser; our resolver and limits -------------


class _CoreResolver(BaseResolver):
    """Implicit tags of the YAML 1.2 core schema: no timestamps, no yes/no booleans, no merge."""


for _tag, _first_chars in (
    (NULL, ["~", "n", "N", ""]),
    (BOOL, list("tTfF")),
    (INT, list("-+0123456789")),
    (FLOAT, list("-+0123456789.")),
):
    _CoreResolver.add_implicit_resolver(_tag, _CORE_SCALARS[_tag], _first_chars)


@dataclass(frozen=True)
class _AliasUse:
    """A ``*name`` in the graph: the anchored node, and where the alias itself stands."""

    node: Node
    mark: Mark


class _Composer(Reader, Scanner, Parser, Composer, _CoreResolver):
    def __init__(self, text: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            return _AliasUse(super().compose_node(parent, index), mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                message = f"the document nests more than {MAX_DEPTH} levels deep"
                raise _Refusal(error("EF001", message), _position(self.peek_event().start_mark))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_single(self) -> Node | None:
        """The one document of the file; a second document is refused, not ignored."""
        self.get_event()  # stream start
        document = None if self.check_event(StreamEndEvent) else self.compose_document()
        if not self.check_event(StreamEndEvent):
            second = self.get_event()
            message = "a second YAML document starts here; a file holds exactly one"
            hint = "remove the '---' and what follows, or put each client in a file of its own"
            raise _Refusal(error("EF001", message, hint=hint), _position(second.start_mark))
        return document


def _compose(text: str) -> Node | None:
    composer = _Composer(text)
    try:
        root = composer.compose_single()
    finally:
        composer.dispose()
    if root is not None:
        _check_expansion(root)
    return root


def _children(node: Node) -> Iterator[Node | _AliasUse]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _target(child: Node | _AliasUse) -> Node:
    return child.node if isinstance(child, _AliasUse) else child


def _where(child: Node | _AliasUse) -> Position:
    """Where a child stands in the text: at the alias for an aliased node."""
    return _position(child.mark if isinstance(child, _AliasUse) else child.start_mark)


def _check_expansion(root: Node) -> None:
    """Refuse alias cycles, alias bombs and alias-built nesting before building anything.

    Sizes and heights are computed once per distinct node (iteratively: aliases can chain
    deeper than Python's stack), so a billion-laughs document costs only its own length.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    alias_uses: list[_AliasUse] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        children = [_target(child) for child in _children(node)]
        if finished:
            on_path.discard(id(node))
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
            height[id(node)] = 1 + max((height[id(child)] for child in children), default=0)
        elif id(node) in on_path:
            message = "an alias refers to the node that contains it (a recursive structure)"
            raise _Refusal(error("EF004", message), _position(node.start_mark))
        elif id(node) not in size:
            on_path.add(id(node))
            alias_uses.extend(c for c in _children(node) if isinstance(c, _AliasUse))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_NODES or height[id(root)] > MAX_DEPTH:
        largest = max(alias_uses, key=lambda use: (size[id(use.node)], -use.mark.index))
        if added > MAX_ALIAS_NODES:
            message = (
                f"aliases would add {added:,} nodes to this document; the limit is "
                f"{MAX_ALIAS_NODES:,}"
            )
        else:
            message = f"aliases nest the document more than {MAX_DEPTH} levels deep"
        hint = "an anchor reused many times, or aliases inside anchors, multiply the document"
        raise _Refusal(error("EF004", message, hint=hint), _position(largest.mark))


# --- the fast path: libyaml's events straight to data --------------------------------

FAST = _CParser is not None  # tests turn it off to compare with the pure path


def _fast_build(text: str, path: str) -> LoadedDocument | None:
    """The document read with libyaml, or None for the pure path to read (and explain) it.

    Only a clean document is built here: one mapping, no anchor, alias, tag or directive, no
    duplicate or non-scalar key, shallow, and everything libyaml accepts without an error.
    Anything else (every input the pure path has a diagnostic for) returns None, so the
    diagnostics, their lines and columns, stay exactly the pure path's; for a clean document
    both give the same data and marks (tests/declarations/test_loader_fast.py).
    """
    if "\t" in text or "\ufeff" in text:  # libyaml takes tabs (and BOMs) where PyYAML does not
        return None
    parser = _CParser(text)
    try:
        return _events_to_document(parser.get_event, path)
    except YAMLError:
        return None
    finally:
        parser.dispose()


_RESOLVERS = _CoreResolver.yaml_implicit_resolvers
_FAST_DEPTH = MAX_DEPTH // 2  # deeper documents are left to the pure path and its limits


def _events_to_document(get: Any, path: str) -> LoadedDocument | None:
    marks: dict[Pointer, Position] = {}
    key_marks: dict[Pointer, Position] = {}
    get()  # stream start
    start = get()
    if type(start) is not DocumentStartEvent or start.version or start.tags:
        return None
    root: Any = None
    # Open collections: [container, its pointer, whether a mapping, the pending key, its mark]
    frames: list[list] = []
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                return None
            text = event.value
            if not text and not event.style:  # an empty value: libyaml marks it elsewhere
                return None
            if event.style == '"' and _SURROGATE.search(text):
                return None
            mark = event.start_mark
            position = (mark.line + 1, mark.column + 1)
            if frames:
                frame = frames[-1]
                if frame[2] and frame[3] is None:  # a mapping's key
                    if text in frame[0]:
                        return None
                    frame[3], frame[4] = text, position
                    continue
            if event.implicit[0]:
                for tag, pattern in _RESOLVERS.get(text[:1], ()):
                    if pattern.match(text):
                        value = _core_value(tag, text)
                        break
                else:
                    value = text
            else:
                value = text
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(frames) >= _FAST_DEPTH:
                return None
            mark = event.start_mark
            position = (mark.line + 1, mark.column + 1)
            value = {} if kind is MappingStartEvent else []
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frames.pop()
            continue
        elif kind is DocumentEndEvent:
            break
        else:  # an alias
            return None
        if not frames:
            pointer: Pointer = ()
            root = value
        else:
            frame = frames[-1]
            container = frame[0]
            if frame[2]:
                key = frame[3]
                if key is None:  # a mapping or list as a key
                    return None
                pointer = (*frame[1], key)
                key_marks[pointer] = frame[4]
                container[key] = value
                frame[3] = None
            else:
                pointer = (*frame[1], len(container))
                container.append(value)
        marks[pointer] = position
        if kind is not ScalarEvent:
            frames.append([value, pointer, kind is MappingStartEvent, None, None])
    if type(get()) is not StreamEndEvent or not isinstance(root, dict):
        return None
    return LoadedDocument(path, root, marks, key_marks, ())


def _core_value(tag: str, text: str) -> Any:
    if tag == NULL:
        return None
    if tag == BOOL:
        return text.lower() == "true"
    if tag == INT:
        return _int(text)
    if tag == FLOAT:
        return _float(text)
    return text


# --- building plain data ---------------------------------------------------------------


class _Builder:
    """Turns the checked node graph into plain data, recording marks and non-fatal problems."""

    def __init__(self, path: str):
        self.path = path
        self.marks: dict[Pointer, Position] = {}
        self.key_marks: dict[Pointer, Position] = {}
        self.problems: list[Diagnostic] = []

    def build(self, root: Node | None) -> LoadedDocument:
        data = None if root is None else self.value(root, ())
        if not isinstance(data, dict):
            self.problems = [self._not_a_mapping(root, data)]
            data = None
        seen: set[tuple] = set()
        unique = []
        for problem in self.problems:  # an aliased node reports its problem once
            if (key := (problem.code, problem.line, problem.col, problem.message)) not in seen:
                seen.add(key)
                unique.append(problem)
        return LoadedDocument(self.path, data, self.marks, self.key_marks, tuple(unique))

    def _not_a_mapping(self, root: Node | None, data: Any) -> Diagnostic:
        hint = "a declaration is a mapping: 'version: 1', then 'client:' and 'users:'"
        if data is None:
            return error("EF007", "the document is empty", hint=hint).at(self.path, 1, 1)
        kind = "a list" if isinstance(data, list) else "a single value"
        message = f"the document must be a mapping of keys, not {kind}"
        return error("EF007", message, hint=hint).at(self.path, *_position(root.start_mark))

    def value(self, node: Node | _AliasUse, pointer: Pointer) -> Any:
        self.marks[pointer] = _where(node)
        node = _target(node)
        self._check_tag(node, pointer)
        if isinstance(node, ScalarNode):
            return self._encodable(self._scalar(node), node, pointer)
        if isinstance(node, SequenceNode):
            return [self.value(item, (*pointer, index)) for index, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_position = _where(key_node)
            key = self._key(_target(key_node), key_position, pointer)
            if key is None:
                continue
            if key in first_lines:
                message = f"duplicate key '{key}' (first on line {first_lines[key]})"
                hint = "YAML would silently keep only the last one; keep one of them"
                self._problem(error("EF002", message, (*pointer, key), hint), key_position)
                continue
            first_lines[key] = key_position[0]
            self.key_marks[(*pointer, key)] = key_position
            result[key] = self.value(value_node, (*pointer, key))
        return result

    def _key(self, node: Node, position: Position, pointer: Pointer) -> str | None:
        """A key as text, the way it is written (``2019:`` is the key '2019')."""
        if isinstance(node, ScalarNode):
            self._check_tag(node, (*pointer, node.value))
            return self._encodable(
                node.value, node, (*pointer, _SURROGATE.sub("\ufffd", node.value))
            )
        message = "a mapping key must be a plain value, not a list or a mapping"
        self._problem(error("EF001", message, pointer), position)
        return None

    def _check_tag(self, node: Node, pointer: Pointer) -> None:
        if node.tag not in _TAGS_BY_KIND[type(node)]:
            shown = node.tag.replace(_YAML_TAG, "!!", 1)
            message = f"the tag {shown} is refused; only plain YAML values are read"
            hint = "remove the tag: values are text, numbers, true/false, null, lists, mappings"
            self._problem(error("EF003", message, pointer, hint), _position(node.start_mark))
        elif isinstance(node, ScalarNode) and not _CORE_SCALARS[node.tag].match(node.value):
            shown = node.tag.replace(_YAML_TAG, "!!", 1)
            message = f"'{node.value}' cannot be read as {shown}"
            self._problem(error("EF003", message, pointer), _position(node.start_mark))

    def _encodable(self, value: Any, node: Node, pointer: Pointer) -> Any:
        """Text UTF-8 can write: a ``"\\ud800"`` escape is reported, and read as U+FFFD.

        Such a lone surrogate would pass validation and then break the first write (the plan,
        the terminal), so it is refused where it stands.
        """
        if not isinstance(value, str) or not (lone := _SURROGATE.search(value)):
            return value
        message = (
            f"the text contains U+{ord(lone.group()):04X}, half of a UTF-16 pair, which UTF-8 "
            "cannot encode"
        )
        hint = "write the character itself, or its \\U escape, not two \\u halves"
        self._problem(error("EF006", message, pointer, hint), _position(node.start_mark))
        return _SURROGATE.sub("\ufffd", value)

    def _problem(self, diagnostic: Diagnostic, position: Position) -> None:
        self.problems.append(diagnostic.at(self.path, *position))

    @staticmethod
    def _scalar(node: ScalarNode) -> Any:
        """The core-schema value; a refused or mismatched tag leaves the text as it is."""
        text = node.value
        if node.tag not in _CORE_SCALARS or not _CORE_SCALARS[node.tag].match(text):
            return text
        return _core_value(node.tag, text)


def _int(text: str) -> int | str:
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    try:
        return int(text[2:] if base != 10 else text, base)
    except ValueError:  # more digits than Python converts: keep the text
        return text


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


# --- syntax errors, made readable ----------------------------------------------------

_TOKENS = {  # PyYAML's token names, as a reader would say them
    "'<block end>'": "the end of a block",
    "<block end>": "the end of a block",
    "'<block mapping start>'": "a new mapping",
    "'<block sequence start>'": "a new list",
    "'<scalar>'": "a value",
    "'<stream end>'": "the end of the file",
    "'<document start>'": "'---'",
    "'<document end>'": "'...'",
    "'<directive>'": "a directive",
    "'<anchor>'": "an anchor",
    "'<alias>'": "an alias",
    "'<tag>'": "a tag",
}

# (PyYAML's problem, our message, a hint, whether the context mark is the better location)
_READABLE: tuple[tuple[re.Pattern[str], str, str | None, bool], ...] = tuple(
    (re.compile(pattern), message, hint, at_context)
    for pattern, message, hint, at_context in (
        (
            r"found character '\\t' that cannot start any token",
            "a tab character; YAML indents with spaces only",
            "replace the tab with spaces",
            False,
        ),
        (
            r"found character '(.)' that cannot start any token",
            "a value cannot start with '{0}'",
            "put the value in quotes",
            False,
        ),
        (
            r"mapping values are not allowed here",
            "unexpected ':' here",
            "quote a value that contains ': ', or check the indentation of this line",
            False,
        ),
        (
            r"could not find expected ':'",
            "this line has no ':' (expected 'key: value')",
            "a line inside a mapping is 'key: value'; check for a missing ':' or quote",
            True,
        ),
        (
            r"expected <block end>, but found (.*)",
            "this line is indented differently from the lines before it",
            "keys of one mapping, and items of one list, start in the same column",
            False,
        ),
        (
            r"found undefined alias '(.*)'",
            "the alias '*{0}' refers to no anchor '&{0}' defined before it",
            None,
            False,
        ),
        (
            r"found unknown escape character '(.*)'",
            "unknown escape '\\{0}' in double-quoted text",
            "use single quotes, or write a backslash as '\\\\'",
            False,
        ),
        (
            r"found unexpected end of stream",
            "the file ends before this value is complete",
            "close the quote or bracket that opens it",
            True,
        ),
        (
            r"expected '<document start>', but found (.*)",
            "unexpected content after the end of the document",
            None,
            False,
        ),
    )
)

_CONTEXT = re.compile(r"while (?:scanning|parsing) (?:an? )?(.+)")
_CONTEXT_NOUNS = {
    "block mapping": "mapping",
    "flow mapping": "mapping",
    "block collection": "list",
    "flow sequence": "list",
    "simple key": "key",
    "quoted scalar": "quoted text",
    "double-quoted scalar": "quoted text",
    "single-quoted scalar": "quoted text",
    "block scalar": "text block",
    "plain scalar": "value",
}


def _syntax_error(exc: MarkedYAMLError) -> tuple[Diagnostic, Position]:
    problem, context = exc.problem or "", exc.context or ""
    if problem == "second occurrence" and context.startswith("found duplicate anchor"):
        anchor = context.split("'")[1] if "'" in context else "?"
        first = _position(exc.context_mark)
        message = f"the anchor '&{anchor}' is defined twice (first on line {first[0]})"
        return error("EF001", message), _position(exc.problem_mark)
    message, hint, at_context = _translate(problem), None, False
    for pattern, template, rule_hint, rule_at_context in _READABLE:
        if found := pattern.fullmatch(problem):
            message = template.format(*found.groups())
            hint, at_context = rule_hint, rule_at_context and exc.context_mark is not None
            break
    noun = _CONTEXT_NOUNS.get(m.group(1)) if (m := _CONTEXT.fullmatch(context)) else None
    if noun and exc.context_mark is not None and not at_context:
        line, col = _position(exc.context_mark)
        message += f" (in the {noun} that starts on line {line}, column {col})"
    mark = exc.context_mark if at_context or exc.problem_mark is None else exc.problem_mark
    return error("EF001", message, hint=hint), _position(mark) if mark else (1, 1)


def _translate(problem: str) -> str:
    for token, words in _TOKENS.items():
        problem = problem.replace(token, words)
    return problem or "YAML syntax error"


def _text_position(text: str, exc: ReaderError) -> Position:
    return _end_position(text[: exc.position])


def _end_position(before: str) -> Position:
    """(line, col) of the character just after ``before``, with YAML's line breaks."""
    breaks = list(re.finditer("\r\n|[\n\r\x85\u2028\u2029]", before))
    line_start = breaks[-1].end() if breaks else 0
    return (len(breaks) + 1, len(before) - line_start + 1)


# --- writing YAML that reads back the same -------------------------------------------


class _Dumper(SafeDumper):
    """Quotes every string that YAML 1.1 or the core schema would read as something else."""


for _first, _resolvers in _CoreResolver.yaml_implicit_resolvers.items():
    for _tag, _pattern in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _pattern, [_first])


def _represent_str(dumper: _Dumper, text: str) -> yaml.ScalarNode:
    """Double quotes escape the line breaks PyYAML would otherwise write raw (NEL, LS, PS)."""
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar(STR, text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_document(data: Mapping[str, Any]) -> str:
    """YAML text that ``parse_document`` (and any YAML 1.1 reader) reads back as ``data``."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )

"""JSON Schema validation of a loaded document, each problem explained where it is.

jsonschema's own messages ("'emial' was unexpected", "2019 is not of type 'string'") say what
is wrong with the data; a person editing YAML needs the line, the object ("users[2]
(bruno.keller)"), what was probably meant and what is allowed. The schema stays the single
source: descriptions, titles and ``patternErrorMessage`` (also shown by the editor) feed the
messages.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from efctl.declarations.loader import LoadedDocument
from reconcile.catalog import Catalog
from reconcile.diagnostics import Diagnostic, Pointer, error
from reconcile.model import ALL_OTHER_TYPES

if TYPE_CHECKING:  # jsonschema is imported only to explain an invalid document
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# Array items named by one of their keys in messages: users[2] (bruno.keller).
_ITEM_NAMES = {"users": "id", "api_keys": "name"}
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def load_schema(name: str) -> dict:
    """A fresh copy of a packaged schema: ``"client"`` is ``schemas/client.schema.json``."""
    resource = files("efctl") / "data" / "schemas" / f"{name}.schema.json"
    return json.loads(resource.read_text(encoding="utf-8"))


def with_catalog(schema: dict, catalog: Catalog) -> dict:
    """A copy of the client schema with the catalog's profiles, types, ISO versions, languages.

    A repository may bring its own catalog; validation (and the editor, given the written-out
    schema) must accept exactly what that catalog knows.
    """
    result = copy.deepcopy(schema)
    defs = result["$defs"]
    defs["profile"]["enum"] = list(catalog.profiles)
    defs["contractTypeOrAll"]["enum"] = [*catalog.contract_types, ALL_OTHER_TYPES]
    defs["isoVersion"]["enum"] = list(catalog.iso_versions)
    defs["language"]["enum"] = list(catalog.languages)
    return result


def schema_diagnostics(doc: LoadedDocument, schema: dict) -> list[Diagnostic]:
    """Every schema problem of the document, located and explained, in file order."""
    if not isinstance(doc.data, dict):
        return []  # the loader has already said why
    compiled = _compiled(schema)
    if QUICK and compiled.quick is not None and _quick_valid(compiled.quick, doc.data):
        return []
    validator = compiled.validator
    leaves = [leaf for found in validator.iter_errors(doc.data) for leaf in _leaves(found)]
    mistyped = {tuple(leaf.absolute_path) for leaf in leaves if _is_type_error(leaf)}
    refused = [d.pointer for d in doc.diagnostics if d.code == "EF003"]  # a refused tag
    explainer = _Explainer(doc, schema)
    diagnostics: dict[tuple, Diagnostic] = {}
    for leaf in leaves:
        if tuple(leaf.absolute_path) in mistyped and not _is_type_error(leaf):
            continue  # "2019 is not a string" says it all; its enum failure is noise
        if any(tuple(leaf.absolute_path)[: len(p)] == p for p in refused):
            continue  # a value not read as written: the refused tag is its one problem
        for diagnostic in explainer.explain(leaf):
            diagnostics.setdefault(
                (diagnostic.line, diagnostic.col, diagnostic.message), diagnostic
            )
    return sorted(diagnostics.values(), key=lambda d: (*d.sort_key, d.message))


class _Compiled:
    """The validators of one schema, built once per process: jsonschema-rs's when first
    asked, jsonschema's (the friendly diagnostics) only when a document is invalid."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.quick = _quick(schema)

    @cached_property
    def validator(self) -> Draft202012Validator:
        from jsonschema import Draft202012Validator  # imported only for an invalid document

        checker = Draft202012Validator.FORMAT_CHECKER
        return Draft202012Validator(self.schema, format_checker=checker)


_COMPILED: dict[int, _Compiled] = {}


def _compiled(schema: dict) -> _Compiled:
    """The schema's validators. jsonschema-rs only ever answers "valid": it is about 200
    times faster and at least as strict (its e-mail format and its ``$`` are stricter than
    Python's), so a document it accepts has no jsonschema error (tests/declarations/
    test_schema_fast.py), and any other document gets jsonschema's explained diagnostics."""
    found = _COMPILED.get(id(schema))
    if found is None or found.schema is not schema:
        if len(_COMPILED) > 16:
            _COMPILED.clear()
        found = _COMPILED[id(schema)] = _Compiled(schema)
    return found


def _quick(schema: dict, *, formats: bool = True) -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # optional: without it every document takes the friendly path
        return None
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=formats)
    except Exception:  # a schema it does not take: jsonschema's path for all documents
        return None


def passes(schema: dict, data: Any) -> bool:
    """True when jsonschema-rs finds DATA valid against SCHEMA (formats not asserted, as
    jsonschema without a format checker), so jsonschema would find no error either; False
    means "ask jsonschema" (invalid, or no jsonschema-rs)."""
    quick = _quick(schema, formats=False) if QUICK else None
    return quick is not None and _quick_valid(quick, data)


QUICK = True  # tests turn it off to compare with the friendly path alone


def _quick_valid(quick: Any, data: Any) -> bool:
    try:
        return bool(quick.is_valid(data))
    except Exception:  # data it cannot convert (inf, huge numbers): the friendly path decides
        return False


def _leaves(found: ValidationError) -> list[ValidationError]:
    """The specific errors behind an anyOf/oneOf: those of the branch the author meant.

    That is a branch whose type fits the value, the one that got furthest into it with the
    fewest errors; when no branch's type fits, the anyOf error itself is the (type) leaf.
    """
    if found.validator not in ("anyOf", "oneOf") or not found.context:
        return [found]
    meant = [errors for errors in _branches(found) if _root_type_error(errors) is None]
    if not meant:
        return [found]
    best = max(meant, key=lambda errors: (max(len(e.relative_path) for e in errors), -len(errors)))
    return [leaf for sub in best for leaf in _leaves(sub)]


def _branches(found: ValidationError) -> list[list[ValidationError]]:
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in found.context:
        branches[sub.relative_schema_path[0]].append(sub)
    return list(branches.values())


def _root_type_error(errors: list[ValidationError]) -> ValidationError | None:
    return next((e for e in errors if e.validator == "type" and not e.relative_path), None)


def _is_type_error(found: ValidationError) -> bool:
    return found.validator == "type" or bool(_branch_types(found))


def _branch_types(found: ValidationError) -> list[str]:
    """The types an anyOf/oneOf accepts, when every branch failed on its type."""
    if found.validator not in ("anyOf", "oneOf") or not found.context:
        return []
    type_errors = [_root_type_error(errors) for errors in _branches(found)]
    if not all(type_errors):
        return []
    return [t for e in type_errors for t in _as_list(e.validator_value)]


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list) else [value]


def _allowed_keys(allowed: list[str], patterns: list[str]) -> str:
    """What a closed mapping takes: its keys by name, and those its patterns match."""
    takes = [f"allowed keys: {', '.join(allowed)}"] if allowed else []
    if patterns:
        takes.append(f"keys matching {', '.join(patterns)}")
    return "; or ".join(takes) or "this mapping takes no keys"


def _suggestion(word: Any, choices: Iterable[Any]) -> str:
    texts = [str(choice) for choice in choices]
    close = difflib.get_close_matches(str(word), texts, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


_SHOWN = 60  # characters of a value quoted in a message; a 900 KB name is not repeated


def _show(value: Any) -> str:
    """A value as the author wrote it in YAML (its start, if long), or what kind of thing it is."""
    if isinstance(value, dict | list):
        return _kind(value)
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value)
    if len(text) <= _SHOWN:
        return text
    return f"{text[: _SHOWN - 20]}… ({len(text):,} characters)"


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else "a string"


class _Explainer:
    """Turns one jsonschema error into located, friendly diagnostics."""

    def __init__(self, doc: LoadedDocument, schema: dict):
        self.doc = doc
        defs = schema.get("$defs", {})
        # An enum failure gets the code of what it enumerates, the same code the engine uses
        # (a schema without one of these enums gives no code to "no choices", a key's pattern).
        self.enum_codes = {
            tuple(defs[name]["enum"]): code
            for name, code in (
                ("profile", "EF014"),
                ("contractTypeOrAll", "EF103"),
                ("isoVersion", "EF117"),
            )
            if "enum" in defs.get(name, {})
        }

    def enum_code(self, choices) -> str:
        return self.enum_codes.get(tuple(choices), "EF013")

    def explain(self, found: ValidationError) -> Iterator[Diagnostic]:
        pointer: Pointer = tuple(found.absolute_path)
        if "propertyNames" in found.absolute_schema_path:
            yield self._bad_key(found, pointer)
        elif found.validator == "additionalProperties" and found.validator_value is False:
            yield from self._unknown_keys(found, pointer)
        elif found.validator == "required":
            yield from self._missing(found, pointer)
        elif _is_type_error(found):
            yield self._wrong_type(found, pointer)
        elif found.validator == "enum":
            yield self._not_allowed(found, pointer)
        elif found.validator == "const":
            message = f"{self.label(pointer)} must be {_show(found.validator_value)}, "
            yield self.at(error("EF013", message + f"not {_show(found.instance)}", pointer))
        elif found.validator in ("pattern", "format", "minLength", "maxLength"):
            yield self._wrong_format(found, pointer)
        else:
            yield self.at(error("EF013", f"{self.label(pointer)}: {found.message}", pointer))

    # --- the kinds of problem ------------------------------------------------------------

    def _unknown_keys(self, found: ValidationError, pointer: Pointer) -> Iterator[Diagnostic]:
        allowed = list(found.schema.get("properties", {}))
        patterns = list(found.schema.get("patternProperties", {}))
        for key in found.instance:
            if key in allowed or any(re.search(p, key) for p in patterns):
                continue
            message = f"unknown key {_show(key)} in {self.label(pointer)}"
            message += _suggestion(key, allowed)
            hint = _allowed_keys(allowed, patterns)
            if key == "<<":
                hint = "YAML merge keys (<<) are not supported; use an alias for a whole value"
            yield self.at(error("EF010", message, (*pointer, key), hint), key=True)

    def _missing(self, found: ValidationError, pointer: Pointer) -> Iterator[Diagnostic]:
        properties = found.schema.get("properties", {})
        for name in found.validator_value:
            if name in found.instance:
                continue
            description = properties.get(name, {}).get("description")
            hint = f"{name}: {description}" if description else None
            message = f"{self.subject(pointer)} is missing '{name}'"
            yield self.at(error("EF011", message, (*pointer, name), hint))  # placed at the parent

    def _wrong_type(self, found: ValidationError, pointer: Pointer) -> Diagnostic:
        expected = _branch_types(found) or _as_list(found.validator_value)
        wanted = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, t) for t in expected))
        message = f"{self.label(pointer)} must be {wanted}, not {_kind(found.instance)}"
        hint = None
        value = found.instance
        if "string" in expected and isinstance(value, int | float):  # bool is an int too
            hint = "put it in quotes to keep it text"
            if len(written := json.dumps(value)) <= _SHOWN:
                hint += f': "{written}"'
        elif value is None:
            hint = "give it a value, or remove the key"
        return self.at(error("EF012", message, pointer, hint))

    def _not_allowed(self, found: ValidationError, pointer: Pointer) -> Diagnostic:
        choices = found.validator_value
        code = self.enum_code(choices)
        title = found.schema.get("title")
        value = found.instance
        if title:
            message = f"unknown {title} {_show(value)}"
        else:
            message = f"{self.label(pointer)} must be one of the allowed values, not {_show(value)}"
        hint = f"allowed: {', '.join(map(str, choices))}"
        return self.at(error(code, message + _suggestion(value, choices), pointer, hint))

    def _bad_key(self, found: ValidationError, pointer: Pointer) -> Diagnostic:
        """A key refused by ``propertyNames``: located at the key, named by its title."""
        key = found.instance
        what = found.schema.get("title", "key")
        choices = found.validator_value if found.validator == "enum" else []
        message = f"unknown {what} '{key}' in {self.label(pointer)}{_suggestion(key, choices)}"
        hint = f"allowed: {', '.join(map(str, choices))}" if choices else found.message
        return self.at(error(self.enum_code(choices), message, (*pointer, key), hint), key=True)

    def _wrong_format(self, found: ValidationError, pointer: Pointer) -> Diagnostic:
        label, value, limit = self.label(pointer), found.instance, found.validator_value
        hint = None
        if found.validator == "minLength":
            message = f"{label} must not be empty" if value == "" else f"{label} is too short"
            if value != "":
                hint = f"at least {limit} characters"
        elif found.validator == "maxLength":
            message = f"{label} is {len(value):,} characters long; at most {limit} are allowed"
        elif found.validator == "format":
            what = "an e-mail address" if limit == "email" else f"a valid {limit}"
            message = f"{label}: {_show(value)} is not {what}"
        else:
            message = f"{label}: {_show(value)} has the wrong format"
            hint = found.schema.get("patternErrorMessage", f"it must match {limit}")
        return self.at(error("EF015", message, pointer, hint))

    # --- naming and placing --------------------------------------------------------------

    def label(self, pointer: Pointer) -> str:
        """``users[3].authorizations.single[1].profile (bruno.keller)``."""
        if not pointer:
            return "the document"
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in pointer)
        owner = self._owner(pointer)
        return path.lstrip(".") + (f" ({owner})" if owner else "")

    def subject(self, pointer: Pointer) -> str:
        """How a message names a mapping: ``user 'bruno.keller'`` for a user, else its label."""
        if len(pointer) == 2 and pointer[0] == "users" and (owner := self._owner(pointer)):
            return f"user '{owner}'"
        return self.label(pointer)

    def _owner(self, pointer: Pointer) -> str | None:
        if len(pointer) < 2 or pointer[0] not in _ITEM_NAMES or not isinstance(pointer[1], int):
            return None
        items = self.doc.data.get(pointer[0])
        item = items[pointer[1]] if isinstance(items, list) else None
        name = item.get(_ITEM_NAMES[pointer[0]]) if isinstance(item, dict) else None
        return name if isinstance(name, str) and 0 < len(name) <= _SHOWN else None

    def at(self, diagnostic: Diagnostic, *, key: bool = False) -> Diagnostic:
        line, col = self.doc.locate(diagnostic.pointer, key=key)
        return diagnostic.at(self.doc.path, line, col)

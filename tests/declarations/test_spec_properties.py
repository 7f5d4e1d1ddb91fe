"""Properties of the loader and the schema checks: no input makes them raise, every problem
has a place."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from efctl.catalog import load_catalog
from efctl.declarations.loader import LoadedDocument, dump_document, parse_document
from efctl.declarations.pipeline import check_document
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
from efctl.sandbox.seed import load_seed
from reconcile.diagnostics import CODES

SCHEMA = load_schema("client")
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # as PyYAML counts lines

# Fragments that steer generated text into YAML's corners: indentation, flow collections,
# quotes, anchors and aliases, tags, document markers, block scalars, comments, tabs.
YAML_PIECES = st.sampled_from(
    [
        "\n", "\n  ", "\n    ", "\t", " ", ": ", "- ", "-", ":", "? ", "[", "]", "{", "}", ", ",
        "'", '"', "\\", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ", "!x ", "!!python/object ",
        "---\n", "...\n", "%YAML 1.2\n", "|\n", ">-\n", "# c", "#", "~", "null", "true", "no",
        "2019", "0x1F", "0o7", "1e3", ".inf", "2025-03-01", "version", "client", "users", "id",
        "name", "profile", "authorizations", "all", "single", "é", "\u2028", "\x85", "\r\n",
        "\ufeff", "\x00", "<<",
    ]
)  # fmt: skip
YAMLISH = st.lists(st.one_of(YAML_PIECES, st.text(max_size=4)), max_size=40).map("".join)


def assert_well_formed(doc: LoadedDocument) -> None:
    assert isinstance(doc, LoadedDocument)
    for diagnostic in doc.diagnostics:
        assert diagnostic.code in CODES
        assert diagnostic.file == "fuzz.yaml"
        assert diagnostic.line >= 1
        assert diagnostic.col >= 1
    if doc.data is not None:
        assert isinstance(doc.data, dict)
        for diagnostic in schema_diagnostics(doc, SCHEMA):
            assert diagnostic.code in CODES
            assert (diagnostic.file, diagnostic.line >= 1, diagnostic.col >= 1) == (
                "fuzz.yaml",
                True,
                True,
            )


@given(st.binary(max_size=200))
def test_any_bytes_give_a_document_with_located_diagnostics(content):
    assert_well_formed(parse_document(content, "fuzz.yaml"))


@given(YAMLISH)
def test_yaml_like_text_gives_a_document_with_located_diagnostics(text):
    assert_well_formed(parse_document(text, "fuzz.yaml"))


@given(YAMLISH)
def test_every_mark_is_inside_the_text(text):
    doc = parse_document(text, "fuzz.yaml")
    lines = len(LINE_BREAK.split(text))
    for line, col in [*doc.marks.values(), *doc.key_marks.values()]:
        assert 1 <= line <= lines
        assert col >= 1


KEYS = st.sampled_from(
    ["version", "client", "users", "deliveries", "api_keys", "id", "name", "email", "github",
     "admin", "language", "authorizations", "all", "copy_from", "exclude", "single", "contract",
     "profile", "iso_version", "overrides", "delivery", "user", "account", "*", "emial", "x"]
)  # fmt: skip
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | st.sampled_from(["read", "sign_colective", "account", "anna", "2019", "de", "a@b.ch"])
)
SHAPED = st.dictionaries(
    KEYS,
    st.recursive(
        LEAVES,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
        max_leaves=20,
    ),
    max_size=6,
)


@given(SHAPED)
def test_any_data_shaped_like_a_declaration_gets_located_schema_diagnostics(data):
    doc = parse_document(dump_document(data), "fuzz.yaml")
    assert doc.data == data
    assert_well_formed(doc)


# --- mangled declarations through the whole per-file pipeline ---------------------------

CATALOG = load_catalog(None)
CLIENT_SCHEMA = with_catalog(SCHEMA, CATALOG)
BANK = {state.id: state for state in load_seed(Path(__file__).parent.parent / "cli" / "bank")}
VALID = {
    "version": 1,
    "client": {"id": "10000001", "name": "Testfirma AG", "language": "de"},
    "deliveries": {
        "iso_version": "2019",
        "overrides": [{"delivery": "D-1", "iso_version": "2019"}],
    },
    "users": [
        {
            "id": "anna.muster",
            "name": "Anna Muster",
            "email": "anna@example.ch",
            "github": "anna-m",
            "admin": "collective",
            "authorizations": {"all": {"account": "sign_collective", "*": "read"}},
        },
        {
            "id": "bruno.keller",
            "name": "Bruno Keller",
            "authorizations": {
                "copy_from": "anna.muster",
                "exclude": ["custody"],
                "single": [{"contract": "BS-10000001-1", "profile": "read"}],
            },
        },
    ],
    "api_keys": [{"name": "erp", "user": "bruno.keller"}],
}


def _nodes(node, at=()):
    yield at
    if isinstance(node, dict | list):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from _nodes(child, (*at, key))


NODES = [pointer for pointer in _nodes(VALID) if pointer]
WRONG = LEAVES | st.lists(LEAVES, max_size=2) | st.dictionaries(KEYS, LEAVES, max_size=2)


@st.composite
def mangled(draw):
    """The valid declaration with up to four of its nodes replaced by wrong types or values."""
    data = copy.deepcopy(VALID)
    for pointer in draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=4)):
        parent = data
        try:
            for part in pointer[:-1]:
                parent = parent[part]
            parent[pointer[-1]] = draw(WRONG)
        except (LookupError, TypeError):  # an earlier replacement took the path away
            continue
    return data


@given(mangled(), st.booleans())
def test_mangled_declarations_get_located_diagnostics_and_never_raise(data, online):
    doc = parse_document(dump_document(data), "fuzz.yaml")
    problems, spec, _ = check_document(
        doc, CLIENT_SCHEMA, CATALOG, BANK.get if online else None, date(2026, 11, 28)
    )
    for diagnostic in problems:
        assert diagnostic.code in CODES
        assert (diagnostic.file, diagnostic.line >= 1, diagnostic.col >= 1) == ("fuzz.yaml", 1, 1)
    assert (spec is None) == bool(doc.diagnostics or schema_diagnostics(doc, CLIENT_SCHEMA))

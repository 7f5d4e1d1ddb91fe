"""The loader: data and marks for good YAML, one exact located diagnostic per refusal."""

from __future__ import annotations

import math
from dataclasses import dataclass
from textwrap import dedent

import pytest
import yaml
from test_parse_cache import parses

from efctl.declarations import loader
from efctl.declarations.loader import (
    MAX_BYTES,
    LoadedDocument,
    dump_document,
    load_document,
    parse_document,
)
from reconcile.diagnostics import Severity, error


def found(content: bytes | str) -> list[str]:
    """The diagnostics of a parse as ``file:line:col: code message``."""
    doc = parse_document(content, "c.yaml")
    return [f"{d.file}:{d.line}:{d.col}: {d.code} {d.message}" for d in doc.diagnostics]


def only(content: bytes | str) -> tuple[LoadedDocument, object]:
    doc = parse_document(content, "c.yaml")
    assert len(doc.diagnostics) == 1, doc.diagnostics
    return doc, doc.diagnostics[0]


@dataclass
class Work:
    """How far the loader got, counted instead of timed: a count cannot flake on a busy machine.

    ``composed``: texts handed to the YAML composer; ``scanned``: characters the scanner read
    of each; ``visits``: nodes the alias check looked into; ``built``: values turned into data.
    """

    composed: int = 0
    scanned: list[int] | None = None
    visits: int = 0
    built: int = 0


# Far above any declaration here, far below an expansion: a loader that walks or builds an
# expansion fails at once, instead of running on for hours.
BUDGET = 100_000


@pytest.fixture
def work(monkeypatch) -> Work:
    counted = Work(scanned=[])
    compose, dispose, children, value = (
        loader._compose,
        loader._Composer.dispose,
        loader._children,
        loader._Builder.value,
    )

    def counting_compose(text):
        counted.composed += 1
        return compose(text)

    def counting_dispose(self):
        counted.scanned.append(self.index)  # the reader's position: characters consumed
        dispose(self)

    def counting_children(node):
        counted.visits += 1
        assert counted.visits <= BUDGET, "the alias check walks the expansion"
        return children(node)

    def counting_value(self, *args):
        counted.built += 1
        assert counted.built <= BUDGET, "the builder builds the expansion"
        return value(self, *args)

    monkeypatch.setattr(loader, "_compose", counting_compose)
    monkeypatch.setattr(loader._Composer, "dispose", counting_dispose)
    monkeypatch.setattr(loader, "_children", counting_children)
    monkeypatch.setattr(loader._Builder, "value", counting_value)
    return counted


GOOD = dedent(
    """\
    # yaml-language-server: $schema=../../schemas/client.schema.json
    version: 1
    client: {id: "1043 2210", name: Muster Holding AG, language: de}
    users:
      - id: anna.muster
        name: Anna Muster
        authorizations:
          all: {account: sign_collective, '*': read}
      - id: bruno.keller
        name: Bruno Keller
    api_keys:
      - {name: erp, user: bruno.keller, created: 2025-03-01}
    """
)


# --- reading good YAML ---------------------------------------------------------------


def test_good_document_gives_plain_data_and_no_diagnostics():
    doc = parse_document(GOOD, "clients/10432210.yaml")
    assert doc.diagnostics == ()
    assert doc.path == "clients/10432210.yaml"
    assert doc.data == {
        "version": 1,
        "client": {"id": "1043 2210", "name": "Muster Holding AG", "language": "de"},
        "users": [
            {
                "id": "anna.muster",
                "name": "Anna Muster",
                "authorizations": {"all": {"account": "sign_collective", "*": "read"}},
            },
            {"id": "bruno.keller", "name": "Bruno Keller"},
        ],
        "api_keys": [{"name": "erp", "user": "bruno.keller", "created": "2025-03-01"}],
    }


def test_marks_of_values_and_keys_are_one_based():
    doc = parse_document(GOOD, "c.yaml")
    assert doc.marks[()] == (2, 1)
    assert doc.marks[("version",)] == (2, 10)
    assert doc.key_marks[("version",)] == (2, 1)
    assert doc.marks[("client", "id")] == (3, 14)
    assert doc.marks[("users", 0)] == (5, 5)  # a list item's mapping starts at its first key
    assert doc.key_marks[("users", 0, "authorizations", "all", "*")] == (8, 39)
    assert doc.marks[("users", 0, "authorizations", "all", "*")] == (8, 44)
    assert doc.marks[("users", 1, "name")] == (10, 11)
    assert doc.marks[("api_keys", 0, "created")] == (12, 46)


def test_locate_falls_back_to_the_deepest_existing_ancestor():
    doc = parse_document(GOOD, "c.yaml")
    assert doc.locate(("users", 1, "authorizations", "single", 0)) == (9, 5)
    assert doc.locate(("users", 7)) == doc.marks[("users",)] == (5, 3)
    assert doc.locate(["users", 0, "name"]) == (6, 11)  # a list pointer is fine too
    assert doc.locate(("users", 0, "name"), key=True) == (6, 5)
    assert doc.locate(("users", 0, "email"), key=True) == (5, 5)  # no key: the ancestor
    assert parse_document("", "e.yaml").locate(("anything",)) == (1, 1)


def test_place_fills_file_line_col_from_the_pointer_and_keeps_a_set_line():
    doc = parse_document(GOOD, "c.yaml")
    placed = doc.place(error("EF105", "no such user", ("users", 1, "name")))
    assert (placed.file, placed.line, placed.col) == ("c.yaml", 10, 11)
    assert placed.severity is Severity.ERROR
    preset = error("EF010", "unknown key").at("", 3, 4)
    assert doc.place(preset).file == "c.yaml"
    assert (doc.place(preset).line, doc.place(preset).col) == (3, 4)


def test_scalars_follow_the_yaml_1_2_core_schema():
    text = dedent(
        """\
        date: 2025-03-01
        norway: no
        switch: on
        yes_: yes
        int: 42
        negative: -7
        octal: 0o17
        hex: 0x1F
        leading_zero: 012
        float: 1.5
        exponent: 1e3
        infinity: -.inf
        plus_infinity: +.INF
        not_a_number: .NaN
        tilde: ~
        empty:
        true_: True
        quoted: "2019"
        tagged_str: !!str 2019
        tagged_float: !!float 3
        sexagesimal: 1:30
        """
    )
    data = parse_document(text, "c.yaml").data
    assert math.isnan(data.pop("not_a_number"))
    assert data == {
        "date": "2025-03-01",
        "norway": "no",
        "switch": "on",
        "yes_": "yes",
        "int": 42,
        "negative": -7,
        "octal": 15,
        "hex": 31,
        "leading_zero": 12,
        "float": 1.5,
        "exponent": 1000.0,
        "infinity": -math.inf,
        "plus_infinity": math.inf,
        "tilde": None,
        "empty": None,
        "true_": True,
        "quoted": "2019",
        "tagged_str": "2019",
        "tagged_float": 3.0,
        "sexagesimal": "1:30",
    }
    assert isinstance(data["tagged_float"], float)


def test_keys_are_text_as_written():
    assert parse_document("1: a\ntrue: b\n~: c\n2019: d\n", "c.yaml").data == {
        "1": "a",
        "true": "b",
        "~": "c",
        "2019": "d",
    }


def test_small_anchor_reuse_is_allowed_and_marks_point_at_the_alias():
    text = dedent(
        """\
        standard: &std {account: read, ebill: capture}
        users:
          - all: *std
          - all: *std
        """
    )
    doc = parse_document(text, "c.yaml")
    assert doc.diagnostics == ()
    assert doc.data["users"] == [{"all": doc.data["standard"]}] * 2
    assert doc.marks[("users", 1, "all")] == (4, 10)  # where *std stands
    assert doc.marks[("users", 1, "all", "ebill")] == (1, 39)  # inside the anchor


def test_byte_order_mark_and_str_input_read_the_same():
    assert parse_document(b"\xef\xbb\xbfa: 1\n", "c.yaml").data == {"a": 1}
    assert parse_document("a: é\n", "c.yaml").data == parse_document("a: é\n".encode(), "x").data


def test_written_yaml_is_block_text_as_a_person_writes_it():
    """Keys in the given order, block style, letters as they are; only what a YAML reader
    would read as something else is quoted (a line separator as its escape)."""
    data = {
        "version": 1,
        "client": {"name": "Zürich Köln AG", "id": "2019"},
        "notes": ["no", "on", "2025-03-01", "a\u2028b", "x: y", "XML"],
        "empty": None,
    }
    text = dump_document(data)
    assert text == dedent(
        """\
        version: 1
        client:
          name: Zürich Köln AG
          id: '2019'
        notes:
        - 'no'
        - 'on'
        - '2025-03-01'
        - "a\\Lb"
        - 'x: y'
        - XML
        empty: null
        """
    )
    assert parse_document(text, "c.yaml").data == data


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected", "hint"),
    [
        (
            "a: b: c\n",
            "c.yaml:1:5: EF001 unexpected ':' here",
            "quote a value that contains ': ', or check the indentation of this line",
        ),
        (
            "users:\n  - id: a\n     name: b\n",
            "c.yaml:3:10: EF001 unexpected ':' here",
            "quote a value that contains ': ', or check the indentation of this line",
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            "c.yaml:3:2: EF001 this line is indented differently from the lines before it "
            "(in the mapping that starts on line 1, column 1)",
            "keys of one mapping, and items of one list, start in the same column",
        ),
        (
            "a: 1\nb\nc: 2\n",
            "c.yaml:2:1: EF001 this line has no ':' (expected 'key: value')",
            "a line inside a mapping is 'key: value'; check for a missing ':' or quote",
        ),
        (
            "a:\n\t- x\n",
            "c.yaml:2:1: EF001 a tab character; YAML indents with spaces only",
            "replace the tab with spaces",
        ),
        (  # libyaml would read this one; the pure reader's refusal is what counts
            "a: 1\t# the first\n",
            "c.yaml:1:5: EF001 a tab character; YAML indents with spaces only",
            "replace the tab with spaces",
        ),
        (
            "a: 'x\nb: 2\n",
            "c.yaml:1:4: EF001 the file ends before this value is complete",
            "close the quote or bracket that opens it",
        ),
        (
            "a: [1, 2\n",
            "c.yaml:2:1: EF001 expected ',' or ']', but got the end of the file "
            "(in the list that starts on line 1, column 4)",
            None,
        ),
        (
            "a: @x\n",
            "c.yaml:1:4: EF001 a value cannot start with '@'",
            "put the value in quotes",
        ),
        (
            'a: "x\\q"\n',
            "c.yaml:1:7: EF001 unknown escape '\\q' in double-quoted text "
            "(in the quoted text that starts on line 1, column 4)",
            "use single quotes, or write a backslash as '\\\\'",
        ),
        (
            "a: *x\n",
            "c.yaml:1:4: EF001 the alias '*x' refers to no anchor '&x' defined before it",
            None,
        ),
        (
            "a: &x 1\nb: &x 2\n",
            "c.yaml:2:4: EF001 the anchor '&x' is defined twice (first on line 1)",
            None,
        ),
        (
            "a: 1\n...\nb: 2\n",
            "c.yaml:3:1: EF001 unexpected content after the end of the document",
            None,
        ),
    ],
)
def test_syntax_errors_are_located_and_readable(content, expected, hint):
    doc, diagnostic = only(content)
    assert found(content) == [expected]
    assert diagnostic.hint == hint
    assert doc.data is None


def test_a_second_document_is_refused():
    doc, diagnostic = only("a: 1\n---\nb: 2\n")
    assert found("a: 1\n---\nb: 2\n") == [
        "c.yaml:2:1: EF001 a second YAML document starts here; a file holds exactly one"
    ]
    assert diagnostic.hint == (
        "remove the '---' and what follows, or put each client in a file of its own"
    )
    assert doc.data is None


def test_nesting_deeper_than_the_limit_is_refused_early(work):
    deep = "a: " + "[" * 1_000_000
    assert found(deep) == ["c.yaml:1:67: EF001 the document nests more than 64 levels deep"]
    # the scanner stopped near level 65 (plus its look-ahead for a key, at most 1,024
    # characters), not at the end of the million brackets, and nothing was built
    assert work.composed == 1
    assert work.scanned[0] < 2_000
    assert (work.visits, work.built) == (0, 0)


def test_duplicate_keys_name_the_first_line_and_keep_the_first_value():
    """The keys after a duplicate are read on."""
    text = dedent(
        """\
        users:
          - id: anna
            name: Anna
            name: Anna Muster
            email: a@example.ch
        version: 1
        version: 2
        """
    )
    doc = parse_document(text, "c.yaml")
    assert found(text) == [
        "c.yaml:4:5: EF002 duplicate key 'name' (first on line 3)",
        "c.yaml:7:1: EF002 duplicate key 'version' (first on line 6)",
    ]
    assert doc.diagnostics[0].pointer == ("users", 0, "name")
    assert doc.diagnostics[0].hint == (
        "YAML would silently keep only the last one; keep one of them"
    )
    assert doc.data == {
        "users": [{"id": "anna", "name": "Anna", "email": "a@example.ch"}],
        "version": 1,
    }


@pytest.mark.parametrize(
    ("content", "tag", "col", "data", "pointer"),
    [
        ("a: !!python/object:os.system echo\n", "!!python/object:os.system", 4, "echo", ("a",)),
        (
            "a: !!python/object/apply:os.system [echo]\n",
            "!!python/object/apply:os.system",
            4,
            ["echo"],
            ("a",),
        ),
        ("!!python/name:os.system a: 1\n", "!!python/name:os.system", 1, 1, ("a",)),  # on the key
        ("a: !secret x\n", "!secret", 4, "x", ("a",)),
        ("a: !!binary aGk=\n", "!!binary", 4, "aGk=", ("a",)),  # not decoded to bytes
        ("a: !!timestamp 2025-03-01\n", "!!timestamp", 4, "2025-03-01", ("a",)),  # not a date
        ("a: !!set {x}\n", "!!set", 4, {"x": None}, ("a",)),  # a mapping, not a set
        ("a: !!map x\n", "!!map", 4, "x", ("a",)),
        ("a: {!secret k: 1}\n", "!secret", 5, {"k": 1}, ("a", "k")),  # a key inside a mapping
        (  # only the leading core prefix is shortened to !!
            "a: !<tag:yaml.org,2002:tag:yaml.org,2002:x> v\n",
            "!!tag:yaml.org,2002:x",
            4,
            "v",
            ("a",),
        ),
    ],
)
def test_tags_outside_the_core_schema_are_refused_and_never_constructed(
    content, tag, col, data, pointer
):
    doc, diagnostic = only(content)
    assert found(content) == [
        f"c.yaml:1:{col}: EF003 the tag {tag} is refused; only plain YAML values are read"
    ]
    assert diagnostic.pointer == pointer
    assert diagnostic.hint == (
        "remove the tag: values are text, numbers, true/false, null, lists, mappings"
    )
    assert doc.data == {"a": data}  # read on as the plain value, nothing constructed


@pytest.mark.parametrize(
    ("content", "expected", "pointer", "data"),
    [
        pytest.param(
            "a: !!int abc\n",
            "c.yaml:1:4: EF003 'abc' cannot be read as !!int",
            ("a",),
            "abc",
            id="int",
        ),
        pytest.param(
            "a:\n  b: !!bool yes\n",
            "c.yaml:2:6: EF003 'yes' cannot be read as !!bool",
            ("a", "b"),
            {"b": "yes"},
            id="nested-bool",
        ),
    ],
)
def test_a_core_tag_that_does_not_fit_its_value_is_refused(content, expected, pointer, data):
    """The value is kept as the text it is, and the problem points at it."""
    doc, diagnostic = only(content)
    assert found(content) == [expected]
    assert (diagnostic.pointer, diagnostic.hint) == (pointer, None)
    assert doc.data == {"a": data}


@pytest.mark.parametrize(
    ("content", "position", "pointer", "data"),
    [
        pytest.param("? [a, b]\n: c\nd: e\n", "1:3", (), {"d": "e"}, id="list-at-the-root"),
        pytest.param(
            "d:\n  ? {a: b}\n  : c\n  e: f\n", "2:5", ("d",), {"d": {"e": "f"}}, id="nested-mapping"
        ),
    ],
)
def test_a_list_or_mapping_as_key_is_refused(content, position, pointer, data):
    """The pair is left out, and the problem points at the mapping that holds it."""
    doc, diagnostic = only(content)
    assert found(content) == [
        f"c.yaml:{position}: EF001 a mapping key must be a plain value, not a list or a mapping"
    ]
    assert (diagnostic.pointer, diagnostic.hint) == (pointer, None)
    assert doc.data == data


@pytest.mark.parametrize(
    ("content", "expected", "pointer"),
    [
        pytest.param(
            "a: &x {!secret k: 1}\nb: *x\nc: *x\n",
            "c.yaml:1:8: EF003 the tag !secret is refused; only plain YAML values are read",
            ("a", "k"),
            id="tag",
        ),
        pytest.param(
            'a: &x "\\ud800"\nb: [*x, *x]\n',
            "c.yaml:1:4: EF006 the text contains U+D800, half of a UTF-16 pair, which UTF-8 "
            "cannot encode",
            ("a",),
            id="surrogate",
        ),
    ],
)
def test_a_problem_inside_an_anchor_is_reported_once(content, expected, pointer):
    """Each alias builds the anchored node again; its problem is one problem, where it stands."""
    _, diagnostic = only(content)
    assert found(content) == [expected]
    assert diagnostic.pointer == pointer


@pytest.mark.parametrize(
    ("content", "expected", "pointer", "data"),
    [
        pytest.param(
            'a: "v\\udfff"\n',
            "c.yaml:1:4: EF006 the text contains U+DFFF",
            ("a",),
            {"a": "v\ufffd"},
            id="value",
        ),
        pytest.param(
            'a:\n  "k\\ud800": 1\n',
            "c.yaml:2:3: EF006 the text contains U+D800",
            ("a", "k\ufffd"),
            {"a": {"k\ufffd": 1}},
            id="key",
        ),
    ],
)
def test_a_lone_surrogate_is_refused_and_read_as_the_replacement_character(
    content, expected, pointer, data
):
    """A \\u escape of half a UTF-16 pair would break the first write of the text; the pointer
    names the key as it is read on, so later diagnostics and this one agree."""
    doc, diagnostic = only(content)
    assert found(content) == [expected + ", half of a UTF-16 pair, which UTF-8 cannot encode"]
    assert diagnostic.pointer == pointer
    assert diagnostic.hint == "write the character itself, or its \\U escape, not two \\u halves"
    assert doc.data == data


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)


def test_alias_bomb_is_refused_without_expanding_it(work):
    doc, diagnostic = only(BILLION_LAUGHS)
    # the alias check looks at the 29 nodes and 80 aliases of the text a few times each, not
    # at the 1,234,567,880 nodes they would add; no value is built
    assert work.visits < 1_000
    assert work.built == 0
    assert found(BILLION_LAUGHS) == [
        "c.yaml:9:8: EF004 aliases would add 1,234,567,880 nodes to this document; "
        "the limit is 10,000"
    ]
    assert diagnostic.hint == (
        "an anchor reused many times, or aliases inside anchors, multiply the document"
    )
    assert doc.data is None


def reuse(times: int) -> str:
    """An anchor of 100 nodes (the list and 99 values), each reuse adding 100."""
    anchor = "base: &b [" + ", ".join(["x"] * 99) + "]\n"
    return anchor + "uses:\n" + "".join("  - *b\n" for _ in range(times))


def test_alias_expansion_just_under_and_over_the_limit():
    assert parse_document(reuse(100), "c.yaml").diagnostics == ()  # adds 10,000 nodes
    assert found(reuse(101)) == [
        "c.yaml:3:5: EF004 aliases would add 10,100 nodes to this document; the limit is 10,000"
    ]


def chain(links: int) -> str:
    """Anchors each holding an alias of the one before: nesting ``links + 2`` deep (the root
    mapping, the lists, the scalar at the bottom), adding ``(links - 1) * (links + 2) / 2``."""
    return "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, links))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("a: " + "[" * 62 + "x" + "]" * 62 + "\n", [], id="written-64-deep"),
        pytest.param(chain(62), [], id="aliases-64-deep"),
        pytest.param(  # the depth is counted back down after each value: x is only 3 deep
            "a: [x, " + "[" * 62 + "x" + "]" * 63 + "\n",
            ["c.yaml:1:70: EF001 the document nests more than 64 levels deep"],
            id="written-65-deep-after-a-sibling",
        ),
        pytest.param(
            chain(63),
            ["c.yaml:63:12: EF004 aliases nest the document more than 64 levels deep"],
            id="aliases-65-deep",
        ),
        pytest.param(
            chain(80),
            ["c.yaml:80:12: EF004 aliases nest the document more than 64 levels deep"],
            id="aliases-82-deep",
        ),
        pytest.param(  # 2,700 + 7,300 nodes added: exactly the limit, so only the depth is wrong
            chain(73) + reuse(73),
            ["c.yaml:76:5: EF004 aliases nest the document more than 64 levels deep"],
            id="aliases-75-deep-adding-exactly-the-limit",
        ),
    ],
)
def test_aliases_that_nest_too_deep_are_refused(content, expected):
    """Depth counts the scalar at the bottom, as the composer's bound does: 64 levels are read,
    whether written out or built by aliases; one more is refused at the deepest alias."""
    doc = parse_document(content, "c.yaml")
    assert found(content) == expected
    assert (doc.data is None) == bool(expected)


def test_recursive_alias_is_refused(work):
    """At once: an alias check that missed the cycle would walk it forever."""
    assert found("a: &a [1, *a]\n") == [
        "c.yaml:1:4: EF004 an alias refers to the node that contains it (a recursive structure)"
    ]


def test_oversized_content_is_refused_before_parsing(work):
    content = b"a: [" + b"1," * (MAX_BYTES // 2) + b"]\n"
    doc, _ = only(content)
    assert (work.composed, work.built) == (0, 0)  # never handed to YAML
    assert found(content) == [
        "c.yaml:1:1: EF005 the file is larger than the limit of 1,048,576 bytes (1 MiB)"
    ]
    assert doc.data is None


def test_content_of_exactly_the_limit_is_read():
    """The limit is the largest size read; one byte more is refused."""
    exact = b"a: 1\n#" + b"x" * (MAX_BYTES - 6)
    assert (len(exact), parse_document(exact, "c.yaml").data, found(exact)) == (
        MAX_BYTES,
        {"a": 1},
        [],
    )
    assert found(exact + b"x") == [
        "c.yaml:1:1: EF005 the file is larger than the limit of 1,048,576 bytes (1 MiB)"
    ]


def test_oversized_file_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (50 * MAX_BYTES))
    doc = load_document(big, display="clients/big.yaml")
    assert [(d.file, d.line, d.col, d.code) for d in doc.diagnostics] == [
        ("clients/big.yaml", 1, 1, "EF005")
    ]
    assert (len(doc.content), doc.source) == (MAX_BYTES + 1, big)  # one byte past the limit


@pytest.mark.parametrize(
    ("content", "position", "byte"),
    [
        pytest.param(b"a: 1\nb: caf\xe9\n", "2:7", "0xe9", id="latin-1"),
        # text given as str with half a UTF-16 pair: refused, not an exception
        pytest.param("a: 1\nb: x\ud800\n", "2:5", "0xed", id="str-with-a-lone-surrogate"),
    ],
)
def test_content_that_is_not_utf8_is_refused_at_the_file(content, position, byte):
    doc, diagnostic = only(content)
    assert found(content) == [f"c.yaml:{position}: EF006 the file is not valid UTF-8 (byte {byte})"]
    assert diagnostic.hint == "save the file as UTF-8"
    assert doc.data is None


CONTROL = "a declaration is plain text; remove the character"
INNER_BOM = "the file contains U+FEFF (a byte order mark) after its start"
BOM_HINT = "remove the invisible character; only the very start of a file may hold one"


@pytest.mark.parametrize(
    ("content", "expected", "hint"),
    [
        pytest.param(
            "a: 1\nb: x\x00y\n",
            "c.yaml:2:5: EF006 the file contains the control character U+0000",
            CONTROL,
            id="nul",
        ),
        pytest.param(
            "a: 1\r\nb: \x1b\n",
            "c.yaml:2:4: EF006 the file contains the control character U+001B",
            CONTROL,
            id="escape-after-crlf",
        ),
        pytest.param("a: 1\nb: x\ufeffy\n", f"c.yaml:2:5: EF006 {INNER_BOM}", BOM_HINT, id="bom"),
        pytest.param(
            "a: \ufeff1\nb: \ufeff2\n",
            f"c.yaml:1:4: EF006 {INNER_BOM}",
            BOM_HINT,
            id="the-first-bom",
        ),
        pytest.param(  # the first mark opens the stream; the second is text, and refused
            b"\xef\xbb\xbf\xef\xbb\xbfa: 1\n",
            f"c.yaml:1:1: EF006 {INNER_BOM}",
            BOM_HINT,
            id="two-boms",
        ),
    ],
)
def test_invisible_characters_are_refused_where_they_are(content, expected, hint):
    doc, diagnostic = only(content)
    assert found(content) == [expected]
    assert (diagnostic.hint, doc.data) == (hint, None)


def test_unreadable_files_are_diagnostics(tmp_path):
    missing = load_document(tmp_path / "nope.yaml", display="clients/nope.yaml")
    assert [(d.file, d.line, d.col, d.code, d.message) for d in missing.diagnostics] == [
        ("clients/nope.yaml", 1, 1, "EF006", "cannot read the file: No such file or directory")
    ]
    folder = load_document(tmp_path)
    assert [(d.file, d.code, d.message) for d in folder.diagnostics] == [
        (str(tmp_path), "EF006", "cannot read the file: Is a directory")
    ]
    assert (missing.source, missing.data, folder.source) == (tmp_path / "nope.yaml", None, tmp_path)


def test_load_document_reads_the_file_under_its_display_name(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a: [1,\n", encoding="utf-8")
    doc = load_document(path, display="clients/c.yaml")
    assert doc.path == "clients/c.yaml"
    assert [(d.file, d.line, d.col, d.code) for d in doc.diagnostics] == [
        ("clients/c.yaml", 2, 1, "EF001")
    ]


def test_a_known_document_is_parsed_only_when_a_mark_is_asked_for(tmp_path, monkeypatch):
    """The parse cache gives the data; the marks, the same as a parse's, come from one parse
    made when something asks where a node is."""
    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    cold = load_document(path, display="clients/c.yaml")
    cache = {("clients/c.yaml", path.read_bytes()): cold.data}
    seen = parses(monkeypatch)
    warm = load_document(path, "clients/c.yaml", lambda name, content: cache.get((name, content)))
    assert seen == []
    assert (warm.path, warm.data, warm.diagnostics, warm.content, warm.source) == (
        "clients/c.yaml",
        cold.data,
        (),
        GOOD.encode(),
        path,
    )
    assert (dict(warm.marks), dict(warm.key_marks)) == (dict(cold.marks), dict(cold.key_marks))
    assert (len(warm.marks), ("users", 1) in warm.marks) == (len(cold.marks), True)
    assert warm.locate(("users", 0, "name"), key=True) == (6, 5)
    assert seen == ["clients/c.yaml"]
    missed = load_document(path, "clients/other.yaml", lambda name, content: None)
    assert (missed.path, missed.data, seen) == (
        "clients/other.yaml",
        cold.data,
        ["clients/c.yaml", "clients/other.yaml"],
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "c.yaml:1:1: EF007 the document is empty"),
        ("# only a comment\n", "c.yaml:1:1: EF007 the document is empty"),
        ("---\n", "c.yaml:1:1: EF007 the document is empty"),
        ("~\n", "c.yaml:1:1: EF007 the document is empty"),
        ("\n\n- a\n- b\n", "c.yaml:3:1: EF007 the document must be a mapping of keys, not a list"),
        (
            "just text\n",
            "c.yaml:1:1: EF007 the document must be a mapping of keys, not a single value",
        ),
    ],
)
def test_empty_or_non_mapping_documents_are_refused(content, expected):
    doc, diagnostic = only(content)
    assert found(content) == [expected]
    assert (
        diagnostic.hint == "a declaration is a mapping: 'version: 1', then 'client:' and 'users:'"
    )
    assert doc.data is None


def test_a_yaml_error_without_a_position_is_still_one_diagnostic_at_the_start(monkeypatch):
    """PyYAML 6 marks every error it raises; one that does not (a later PyYAML) still gives a
    diagnostic, not a traceback. The composer is made to raise one."""

    def broken(self):
        raise yaml.YAMLError("the stream broke")

    monkeypatch.setattr(loader, "FAST", False)
    monkeypatch.setattr(loader._Composer, "compose_single", broken)
    doc = parse_document(b"users: []\n", "c.yaml")
    assert doc.data is None
    assert [(d.file, d.line, d.col, d.code, d.message) for d in doc.diagnostics] == [
        ("c.yaml", 1, 1, "EF001", "YAML syntax error: the stream broke")
    ]


MARK = yaml.Mark("c.yaml", 9, 1, 4, None, None)  # line 2, column 5


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        pytest.param(
            yaml.MarkedYAMLError(), (1, 1, "YAML syntax error"), id="neither-problem-nor-mark"
        ),
        pytest.param(
            yaml.MarkedYAMLError("found duplicate anchor a", MARK, "second occurrence", MARK),
            (2, 5, "the anchor '&?' is defined twice (first on line 2)"),
            id="duplicate-anchor-not-quoted",
        ),
    ],
)
def test_a_yaml_error_missing_its_parts_is_still_one_diagnostic(monkeypatch, raised, expected):
    """PyYAML 6 always gives a syntax error its problem, its mark and a quoted anchor; one
    without (a later PyYAML) still gives a located diagnostic, not a traceback."""

    def broken(self):
        raise raised

    monkeypatch.setattr(loader, "FAST", False)
    monkeypatch.setattr(loader._Composer, "compose_single", broken)
    [found] = parse_document(b"users: []\n", "c.yaml").diagnostics
    assert (found.line, found.col, found.code, found.message) == (
        *expected[:2],
        "EF001",
        expected[2],
    )

"""The client schema and its friendly, located diagnostics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from jsonschema import Draft202012Validator

from efctl.catalog import load_catalog
from efctl.declarations.loader import load_document, parse_document
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
from reconcile.catalog import Catalog

SCHEMA = load_schema("client")
EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "clients").glob("*.yaml"))

HEAD = 'version: 1\nclient: {id: "10432210", name: Muster Holding AG, language: de}\n'


def check(text: str, schema: dict = SCHEMA) -> list[str]:
    """Schema diagnostics as ``file:line:col: code message`` (the loader must be happy)."""
    doc = parse_document(text, "c.yaml")
    assert doc.diagnostics == ()
    return [
        f"{d.file}:{d.line}:{d.col}: {d.code} {d.message}" for d in schema_diagnostics(doc, schema)
    ]


def diagnostics(text: str, schema: dict = SCHEMA):
    return schema_diagnostics(parse_document(text, "c.yaml"), schema)


def hinted(text: str, schema: dict = SCHEMA) -> list[tuple[str, str | None]]:
    """Each diagnostic as ``check`` shows it, with its hint."""
    return list(zip(check(text, schema), [d.hint for d in diagnostics(text, schema)], strict=True))


def users(body: str) -> str:
    return HEAD + "users:\n" + dedent(body)


# --- the schema itself -------------------------------------------------------------------


def walk(schema, path=()):
    """Every subschema with its path."""
    if isinstance(schema, dict):
        yield path, schema
        for key, value in schema.items():
            yield from walk(value, (*path, key))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from walk(value, (*path, index))


def test_schema_is_valid_draft_2020_12_with_id_and_title():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("/client.schema.json")
    assert SCHEMA["title"]


def test_the_schema_reads_the_same_under_a_c_locale():
    """A server's ASCII locale must not change the schema: its descriptions are not ASCII."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    code = "import json, efctl.declarations.schema as s; print(json.dumps(s.load_schema('client')))"
    read = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    assert json.loads(read.stdout) == SCHEMA


def test_every_property_has_a_description_and_every_object_is_closed():
    for path, sub in walk(SCHEMA):
        if path[-1:] == ("properties",):
            for name, prop in sub.items():
                assert prop.get("description"), f"{'/'.join(map(str, path))}/{name}"
        if sub.get("type") == "object":
            assert "additionalProperties" in sub, "/".join(map(str, path))
            if "propertyNames" not in sub:  # the contract-type map has a schema for values
                assert sub["additionalProperties"] is False, "/".join(map(str, path))


def test_schema_enums_match_the_default_catalog():
    assert with_catalog(SCHEMA, load_catalog()) == SCHEMA


def test_load_schema_returns_a_fresh_copy():
    load_schema("client")["title"] = "changed"
    assert load_schema("client")["title"] == SCHEMA["title"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_declarations_are_valid(path):
    doc = load_document(path)
    assert doc.diagnostics == ()
    assert schema_diagnostics(doc, SCHEMA) == []


# --- one test per kind of problem --------------------------------------------------------


def test_unknown_key_points_at_the_key_and_suggests_the_known_one():
    text = users(
        """\
          - id: anna.muster
            name: Anna Muster
            emial: anna.muster@example.ch
        """
    )
    assert check(text) == [
        "c.yaml:6:3: EF010 unknown key 'emial' in users[0] (anna.muster); did you mean 'email'?"
    ]
    [found] = diagnostics(text)
    assert found.pointer == ("users", 0, "emial")
    assert (
        found.hint
        == "allowed keys: id, name, email, github, github_id, language, admin, authorizations,"
        " signing_key, until"
    )


def test_unknown_keys_without_a_close_match_and_at_the_top():
    text = HEAD + "user: []\nzzz: 1\n"
    assert check(text) == [
        "c.yaml:1:1: EF011 the document is missing 'users'",
        "c.yaml:3:1: EF010 unknown key 'user' in the document; did you mean 'users'?",
        "c.yaml:4:1: EF010 unknown key 'zzz' in the document",
    ]


def test_merge_key_gets_its_own_hint():
    text = users(
        """\
          - <<: {id: a}
            id: anna
            name: Anna
        """
    )
    [found] = diagnostics(text)
    assert found.code == "EF010"
    assert found.hint == "YAML merge keys (<<) are not supported; use an alias for a whole value"


def test_missing_required_key_is_placed_at_the_mapping_and_names_the_user():
    text = users(
        """\
          - id: anna.muster
            name: Anna Muster
          - id: bruno.keller
            email: bruno@example.ch
          - name: No Id
        """
    )
    assert check(text) == [
        "c.yaml:6:3: EF011 user 'bruno.keller' is missing 'name'",
        "c.yaml:8:3: EF011 users[2] is missing 'id'",
    ]
    first = diagnostics(text)[0]
    assert first.pointer == ("users", 1, "name")  # the missing node; placed at its mapping
    assert first.hint == "name: Full name of the person."


def test_missing_key_deep_in_a_user():
    text = users(
        """\
          - id: bruno.keller
            name: Bruno Keller
            authorizations:
              single:
                - {contract: CH56, profile: read}
                - {contract: CH93}
        """
    )
    assert check(text) == [
        "c.yaml:9:9: EF011 users[0].authorizations.single[1] (bruno.keller) is missing 'profile'"
    ]


def test_wrong_type_hints_to_quote_numbers():
    text = (
        "version: 1\nclient: {id: 10432210, name: Muster, language: de}\n"
        "deliveries: {iso_version: 2019}\nusers: []\n"
    )
    assert check(text) == [
        "c.yaml:2:14: EF012 client.id must be a string, not a number",
        "c.yaml:3:27: EF012 deliveries.iso_version must be a string, not a number",
    ]
    hints = [d.hint for d in diagnostics(text)]
    assert hints == [
        'put it in quotes to keep it text: "10432210"',
        'put it in quotes to keep it text: "2019"',
    ]


def test_wrong_type_for_containers_and_empty_values():
    text = HEAD + "users:\n  id: anna\n"
    assert hinted(text) == [("c.yaml:4:3: EF012 users must be a list, not a mapping", None)]
    text = users("- {id: anna, name: Anna, email: , admin: true}\n")
    assert check(text) == [
        "c.yaml:4:32: EF012 users[0].email (anna) must be a string, not empty",
        "c.yaml:4:42: EF012 users[0].admin (anna) must be a string, not true/false",
    ]
    assert [d.hint for d in diagnostics(text)] == [
        "give it a value, or remove the key",
        'put it in quotes to keep it text: "true"',
    ]


def test_value_not_allowed_suggests_and_lists_the_allowed_values():
    text = users("- {id: anna, name: Anna, admin: colective, language: EN}\n")
    assert check(text) == [
        "c.yaml:4:33: EF013 unknown admin right 'colective'; did you mean 'collective'?",
        "c.yaml:4:54: EF013 unknown language 'EN'",
    ]
    assert [d.hint for d in diagnostics(text)] == [
        "allowed: none, individual, collective",
        "allowed: de, fr, it, en",
    ]


def test_version_must_be_one():
    text = 'version: "1"\nclient: {id: "1", name: M, language: de}\nusers: []\n'
    assert check(text) == ["c.yaml:1:10: EF013 version must be 1, not '1'"]


def test_unknown_contract_type_in_all_points_at_the_key():
    text = users(
        """\
          - id: anna
            name: Anna
            authorizations:
              all: {account: read, acount: read, '*': read}
        """
    )
    assert check(text) == [
        "c.yaml:7:26: EF103 unknown contract type 'acount' in users[0].authorizations.all "
        "(anna); did you mean 'account'?"
    ]
    [found] = diagnostics(text)
    assert found.pointer == ("users", 0, "authorizations", "all", "acount")
    assert found.hint == (
        "allowed: account, deposit, ebill, cards, custody, billing_solutions, file_transfer, *"
    )


def test_unknown_profile_has_its_own_code():
    text = users(
        """\
          - id: anna
            name: Anna
            authorizations:
              all: {account: sign_colective}
        """
    )
    assert check(text) == [
        "c.yaml:7:20: EF014 unknown profile 'sign_colective'; did you mean 'sign_collective'?"
    ]
    assert diagnostics(text)[0].hint == (
        "allowed: sign_individual, sign_collective, capture, read, none"
    )


def test_wrong_formats():
    text = dedent(
        """\
        version: 1
        client: {id: "1043-2210", name: "", language: de}
        users:
          - {id: Anna.Muster, name: Anna, email: anna-at-example.ch, github: -anna}
        api_keys:
          - {name: erp/invoicing, user: anna, until: 2025-02-30}
        """
    )
    assert check(text) == [
        "c.yaml:2:14: EF015 client.id: '1043-2210' has the wrong format",
        "c.yaml:2:33: EF015 client.name must not be empty",
        "c.yaml:4:10: EF015 users[0].id (Anna.Muster): 'Anna.Muster' has the wrong format",
        "c.yaml:4:42: EF015 users[0].email (Anna.Muster): 'anna-at-example.ch' is not an "
        "e-mail address",
        "c.yaml:4:70: EF015 users[0].github (Anna.Muster): '-anna' has the wrong format",
        "c.yaml:6:12: EF015 api_keys[0].name (erp/invoicing): 'erp/invoicing' has the wrong format",
        "c.yaml:6:46: EF015 api_keys[0].until (erp/invoicing): '2025-02-30' is not a valid date",
    ]
    assert [d.hint for d in diagnostics(text)] == [
        'A client id is digits, optionally grouped by single spaces, in quotes: "1043 2210".',
        None,  # empty: nothing to add
        "A user id is lowercase letters, digits, '.', '-' and '_', starting with a letter or"
        " digit.",
        None,
        "A GitHub login is letters, digits and single hyphens, not starting or ending with a"
        " hyphen.",
        "A key name is letters, digits, '.', '-' and '_', starting with a letter or digit.",
        None,
    ]


def test_too_long_values():
    text = users(f"- {{id: anna, name: Anna, github: {'a' * 40}}}\n")
    assert check(text) == [
        "c.yaml:4:34: EF015 users[0].github (anna) is 40 characters long; at most 39 are allowed"
    ]
    assert [d.hint for d in diagnostics(text)] == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'version: [1]\nclient: {id: "1", name: M, language: de}\nusers: []\n',
            "c.yaml:1:10: EF013 version must be 1, not a list",
            id="a-list-by-its-kind",
        ),
        pytest.param(
            HEAD + "users: anna\n",
            "c.yaml:3:8: EF012 users must be a list, not a string",
            id="a-string-by-its-kind",
        ),
        pytest.param(
            users(f"- {{id: anna, name: Anna, language: {'x' * 58}}}\n"),
            f"c.yaml:4:36: EF013 unknown language '{'x' * 58}'",
            id="60-characters-in-full",
        ),
        pytest.param(
            users(f"- {{id: anna, name: Anna, language: {'x' * 59}}}\n"),
            f"c.yaml:4:36: EF013 unknown language '{'x' * 39}… (61 characters)",
            id="61-characters-cut",
        ),
    ],
)
def test_a_value_is_quoted_up_to_60_characters_and_a_container_named_by_its_kind(text, expected):
    """A message quotes what the author wrote, but never a whole 900 KB value or a mapping."""
    assert check(text) == [expected]


@pytest.mark.parametrize(
    ("digits", "hint"),
    [
        (60, f'put it in quotes to keep it text: "{"1" * 60}"'),
        (61, "put it in quotes to keep it text"),
    ],
    ids=["60-digits", "61-digits"],
)
def test_the_quote_hint_repeats_a_number_of_up_to_60_characters(digits, hint):
    """The number to put in quotes is shown as long as it fits a message."""
    text = f"version: 1\nclient: {{id: {'1' * digits}, name: M, language: de}}\nusers: []\n"
    assert hinted(text) == [("c.yaml:2:14: EF012 client.id must be a string, not a number", hint)]


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        ("a", ["c.yaml:4:3: EF011 user 'a' is missing 'name'"]),
        ("a" * 60, [f"c.yaml:4:3: EF011 user '{'a' * 60}' is missing 'name'"]),
        ("a" * 61, ["c.yaml:4:3: EF011 users[0] is missing 'name'"]),
        (
            "5",
            [
                "c.yaml:4:3: EF011 users[0] is missing 'name'",
                "c.yaml:4:8: EF012 users[0].id must be a string, not a number",
            ],
        ),
    ],
    ids=["1-character", "60-characters", "61-characters", "a-number"],
)
def test_a_user_is_named_by_an_id_of_1_to_60_characters(user_id, expected):
    """An id that is no usable name (not text, or too long to repeat) names no user."""
    assert check(users(f"- {{id: {user_id}}}\n")) == expected


# --- documents with several problems -----------------------------------------------------


FIVE_MISTAKES = dedent(
    """\
    version: 1
    client: {id: "1043 2210", name: Muster Holding AG, language: de}
    users:
      - id: anna.muster
        name: Anna Muster
        emial: anna.muster@example.ch
        admin: colective
        authorizations:
          all: {account: sign_collective, '*': read}
      - id: bruno.keller
        authorizations:
          copy_from: anna.muster
          single: [{contract: CH5604835012345678009, profile: sign_colective}]
    deliveries:
      iso_version: 2019
    """
)


def test_five_mistakes_give_five_diagnostics_at_their_lines():
    assert check(FIVE_MISTAKES) == [
        "c.yaml:6:5: EF010 unknown key 'emial' in users[0] (anna.muster); did you mean 'email'?",
        "c.yaml:7:12: EF013 unknown admin right 'colective'; did you mean 'collective'?",
        "c.yaml:10:5: EF011 user 'bruno.keller' is missing 'name'",
        "c.yaml:13:59: EF014 unknown profile 'sign_colective'; did you mean 'sign_collective'?",
        "c.yaml:15:16: EF012 deliveries.iso_version must be a string, not a number",
    ]


def test_deep_list_pointer():
    text = users(
        """\
          - {id: a, name: A}
          - {id: b, name: B}
          - {id: c, name: C}
          - id: d
            name: D
            authorizations:
              single:
                - {contract: CH56, profile: read}
                - contract: CH93
                  profile: signn
        """
    )
    [found] = diagnostics(text)
    assert found.pointer == ("users", 3, "authorizations", "single", 1, "profile")
    assert (found.code, found.line, found.col) == ("EF014", 13, 18)
    assert found.message == "unknown profile 'signn'"


def test_a_type_error_hides_the_enum_error_of_the_same_value():
    text = HEAD + "deliveries: {iso_version: 2019}\nusers: []\n"
    assert [d.code for d in diagnostics(text)] == ["EF012"]


def test_nothing_to_check_when_the_loader_refused_the_document():
    assert schema_diagnostics(parse_document("- a\n", "c.yaml"), SCHEMA) == []


def test_a_value_under_a_refused_tag_has_the_tag_as_its_one_problem():
    """The loader read it as text, not as written: only the other values get schema errors."""
    text = users("- {id: anna, name: Anna, language: !!int abc, admin: al}\n")
    doc = parse_document(text, "c.yaml")
    assert [d.code for d in doc.diagnostics] == ["EF003"]
    assert [(d.line, d.col, d.message) for d in schema_diagnostics(doc, SCHEMA)] == [
        (4, 54, "unknown admin right 'al'")
    ]


# --- the sandbox bank's schema -----------------------------------------------------------


def test_a_seed_list_of_other_items_and_a_value_of_two_types():
    """Orders are not named by a key; ``before`` is a mapping or empty."""
    text = dedent(
        """\
        version: 1
        client: {id: "1", name: M, language: de}
        orders:
          - id: o1
            maker: anna
            created: "2025-05-01T10:15:00Z"
            changes: [{address: a, action: create, resource: user, before: 1}]
        """
    )
    assert check(text, load_schema("bank-state")) == [
        "c.yaml:7:68: EF012 orders[0].changes[0].before must be a mapping or empty, not a number"
    ]


# --- the catalog -------------------------------------------------------------------------


def small_catalog() -> Catalog:
    return Catalog.from_mapping(
        {
            "languages": ["de", "rm"],
            "profiles": [{"name": "approve"}, {"name": "read"}, {"name": "none"}],
            "admin_rights": [{"name": "none"}],
            "contract_types": [{"name": "crypto", "allowed": ["approve", "read"]}],
            "iso_versions": [{"name": "2024", "camt": "camt.05x.001.10", "pain": []}],
            "parallel_phase_end": "2030-01-01",
        }
    )


def test_with_catalog_takes_enums_from_the_catalog_without_touching_the_original():
    schema = with_catalog(SCHEMA, small_catalog())
    text = dedent(
        """\
        version: 1
        client: {id: "1", name: M, language: rm}
        deliveries: {iso_version: "2024"}
        users:
          - id: anna
            name: Anna
            authorizations:
              all: {crypto: approve, account: read}
              single: [{contract: X, profile: sign_individual}]
        """
    )
    assert check(text, schema) == [
        "c.yaml:8:30: EF103 unknown contract type 'account' in users[0].authorizations.all (anna)",
        "c.yaml:9:39: EF014 unknown profile 'sign_individual'",
    ]
    assert len(check(text)) == 4  # the default schema is unchanged: rm, 2024, crypto, approve


# --- anyOf / oneOf -----------------------------------------------------------------------

BRANCHED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "target": {
            "description": "A name, or a mapping naming a contract.",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["contract"],
                    "properties": {"contract": {"description": "A contract.", "type": "string"}},
                },
            ],
        },
        "mode": {
            "description": "A mode.",
            "oneOf": [{"type": "string", "enum": ["fast", "slow"]}, {"type": "integer"}],
        },
        "contact": {
            "description": "A user by id, or a person by name and mail.",
            "anyOf": [
                {"type": "object", "required": ["id"]},
                {"type": "object", "required": ["name", "mail"]},
            ],
        },
    },
}


def test_any_of_reports_the_leaf_errors_of_the_branch_that_was_meant():
    assert check("target: {contrat: X}\n", BRANCHED) == [
        "c.yaml:1:9: EF011 target is missing 'contract'",
        "c.yaml:1:10: EF010 unknown key 'contrat' in target; did you mean 'contract'?",
    ]
    assert check("target: ''\n", BRANCHED) == ["c.yaml:1:9: EF015 target must not be empty"]
    assert check("mode: fats\n", BRANCHED) == [
        "c.yaml:1:7: EF013 mode must be one of the allowed values, not 'fats'; did you mean 'fast'?"
    ]
    # two branches fit and get equally far: the one with fewer errors is the one meant
    assert check("contact: {}\n", BRANCHED) == ["c.yaml:1:10: EF011 contact is missing 'id'"]


def test_any_of_failing_on_every_type_is_one_type_error():
    assert check("target: [1]\n", BRANCHED) == [
        "c.yaml:1:9: EF012 target must be a string or a mapping, not a list"
    ]
    assert check("mode: [1]\n", BRANCHED) == [
        "c.yaml:1:7: EF012 mode must be a string or a whole number, not a list"
    ]


# --- keywords the packaged schemas do not use (yet) --------------------------------------

KEYWORDS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "labels": {
            "description": "Labels, each key starting with 'x-'.",
            "type": "object",
            "patternProperties": {"^x-": {"type": "string"}},
            "additionalProperties": False,
        },
        "tags": {
            "description": "Free tags, one of them the owner.",
            "type": "object",
            "required": ["owner"],
            "additionalProperties": {"type": "string"},
        },
        "codes": {
            "description": "Upper-case codes by lower-case names.",
            "type": "object",
            "propertyNames": {"pattern": "^[a-z]+$"},
            "additionalProperties": {"type": "string", "minLength": 3, "pattern": "^[A-Z]+$"},
        },
        "flags": {
            "type": "object",
            "properties": {"on": {"type": "boolean"}, "off": {"type": "boolean"}},
            "patternProperties": {"^x-": {"type": "boolean"}, "^y-": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "closed": {"type": "object", "additionalProperties": False},
        "locked": {"description": "Always false.", "const": False},
        "count": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": {"type": "string"},
}


def test_keys_a_pattern_allows_are_not_unknown():
    """Of a closed mapping with patternProperties, only keys matching no pattern are unknown."""
    assert hinted("labels: {x-a: b, y: c}\n", KEYWORDS) == [
        ("c.yaml:1:18: EF010 unknown key 'y' in labels", "keys matching ^x-")
    ]


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        pytest.param(
            "tags: {a: b}\n",
            "c.yaml:1:7: EF011 tags is missing 'owner'",
            None,
            id="required-without-properties",
        ),
        pytest.param(
            "codes: {Ab: XYZ}\n",
            "c.yaml:1:9: EF013 unknown key 'Ab' in codes",
            "'Ab' does not match '^[a-z]+$'",
            id="property-names-without-title",
        ),
        pytest.param(
            "codes: {ab: XY}\n",
            "c.yaml:1:13: EF015 codes.ab is too short",
            "at least 3 characters",
            id="min-length",
        ),
        pytest.param(
            "codes: {ab: XYz}\n",
            "c.yaml:1:13: EF015 codes.ab: 'XYz' has the wrong format",
            "it must match ^[A-Z]+$",
            id="pattern-without-message",
        ),
        pytest.param(
            "flags: {zzz: true}\n",
            "c.yaml:1:9: EF010 unknown key 'zzz' in flags",
            "allowed keys: on, off; or keys matching ^x-, ^y-",
            id="unknown-key-of-names-and-patterns",
        ),
        pytest.param(
            "closed: {a: 1}\n",
            "c.yaml:1:10: EF010 unknown key 'a' in closed",
            "this mapping takes no keys",
            id="unknown-key-of-a-mapping-that-takes-none",
        ),
        pytest.param(
            "locked: true\n",
            "c.yaml:1:9: EF013 locked must be false, not true",
            None,
            id="const-false",
        ),
        pytest.param(
            "count: 0\n",
            "c.yaml:1:8: EF013 count: 0 is less than the minimum of 1",
            None,
            id="other-keyword-in-jsonschema-words",
        ),
        pytest.param(
            "Xmas: 25\n",
            "c.yaml:1:7: EF012 Xmas must be a string, not a number",
            'put it in quotes to keep it text: "25"',
            id="top-level-key-named-as-written",
        ),
    ],
)
def test_keywords_the_packaged_schemas_do_not_use(text, expected, hint):
    """The explanations hold for any schema the editor may grow: no description, no title, no
    patternErrorMessage, no enum ``$defs`` (a refused key is then EF013, not an enum's code)."""
    assert hinted(text, KEYWORDS) == [(expected, hint)]

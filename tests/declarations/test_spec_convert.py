"""Documents to ClientSpec and back; generated specs survive YAML text unchanged."""

from __future__ import annotations

from textwrap import dedent

from hypothesis import given
from hypothesis import strategies as st

from efctl.declarations.convert import client_document, to_client_spec
from efctl.declarations.loader import dump_document, parse_document
from efctl.declarations.schema import load_schema, schema_diagnostics
from reconcile.model import (
    ApiKeySpec,
    ClientSpec,
    DeliveriesSpec,
    DeliveryOverride,
    Grants,
    SingleGrant,
    UserSpec,
)

SCHEMA = load_schema("client")

DECLARATION = dedent(
    """\
    version: 1
    client: {id: "1043 2210", name: Muster Holding AG, language: de}
    deliveries:
      iso_version: "2019"
      overrides: [{delivery: D-77, iso_version: "2009"}]
    users:
      - id: anna.muster
        name: Anna Muster
        email: anna.muster@example.ch
        github: anna-m
        language: fr
        admin: collective
        authorizations:
          all: {account: sign_collective, ebill: capture, '*': read}
      - id: bruno.keller
        name: Bruno Keller
        authorizations:
          copy_from: anna.muster
          exclude: [custody, CH5604835012345678009]
          single: [{contract: CH5604835012345678009, profile: read}, {contract: X, profile: none}]
      - id: carla.rossi
        name: Carla Rossi
    api_keys:
      - {name: erp-invoicing, user: bruno.keller}
    """
)

EXPECTED = ClientSpec(
    id="10432210",
    name="Muster Holding AG",
    language="de",
    users=(
        UserSpec(
            id="anna.muster",
            name="Anna Muster",
            email="anna.muster@example.ch",
            github="anna-m",
            admin="collective",
            language="fr",
            grants=Grants(all={"account": "sign_collective", "ebill": "capture", "*": "read"}),
        ),
        UserSpec(
            id="bruno.keller",
            name="Bruno Keller",
            grants=Grants(
                copy_from="anna.muster",
                exclude=("custody", "CH5604835012345678009"),
                single=(
                    SingleGrant("CH5604835012345678009", "read"),
                    SingleGrant("X", "none"),
                ),
            ),
        ),
        UserSpec(id="carla.rossi", name="Carla Rossi"),
    ),
    deliveries=DeliveriesSpec(iso_version="2019", overrides=(DeliveryOverride("D-77", "2009"),)),
    api_keys=(ApiKeySpec("erp-invoicing", "bruno.keller"),),
)


def test_document_converts_to_the_spec_with_the_id_normalised_and_order_kept():
    doc = parse_document(DECLARATION, "c.yaml")
    assert doc.diagnostics == ()
    assert schema_diagnostics(doc, SCHEMA) == []
    assert to_client_spec(doc.data) == EXPECTED


def test_defaults_of_a_minimal_document():
    spec = to_client_spec(
        {"version": 1, "client": {"id": "1", "name": "M", "language": "it"}, "users": []}
    )
    assert spec == ClientSpec(id="1", name="M", language="it")
    assert spec.deliveries == DeliveriesSpec(iso_version=None, overrides=())


def test_client_document_leaves_defaults_out():
    assert client_document(EXPECTED)["users"][2] == {"id": "carla.rossi", "name": "Carla Rossi"}
    assert "deliveries" not in client_document(ClientSpec(id="1", name="M", language="de"))
    assert client_document(ClientSpec(id="1", name="M", language="de")) == {
        "version": 1,
        "client": {"id": "1", "name": "M", "language": "de"},
        "users": [],
    }


def test_client_document_keeps_an_explicitly_empty_all():
    spec = ClientSpec(
        id="1", name="M", language="de", users=(UserSpec("a", "A", grants=Grants(all={})),)
    )
    assert client_document(spec)["users"][0]["authorizations"] == {"all": {}}
    assert to_client_spec(client_document(spec)) == spec


def test_the_example_declaration_round_trips_through_text():
    text = dump_document(client_document(EXPECTED))
    assert to_client_spec(parse_document(text, "c.yaml").data) == EXPECTED


# --- generated specs ---------------------------------------------------------------------


def word(first: str, rest: str, max_size: int) -> st.SearchStrategy[str]:
    """A first character from one alphabet, then up to max_size - 1 from another."""
    return st.builds(str.__add__, st.sampled_from(first), st.text(rest, max_size=max_size - 1))


LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
IDS = word(LOWER, LOWER + "._-", 12)
CONTRACTS = word("ABCDEFXYZ0123456789", "ABCXYZ0123456789-", 22)
GITHUB = st.builds(
    lambda head, tail: f"{head}-{tail}" if tail else head,
    word("aZ09", "aZ09", 8),
    st.sampled_from(["", "x", "Dev9"]),
)
EMAILS = st.builds("{}@{}.ch".format, IDS, word(LOWER, LOWER + "-", 10))
TEXT = st.text(min_size=1, max_size=20)
PROFILES = st.sampled_from(["sign_individual", "sign_collective", "capture", "read", "none"])
TYPES = st.sampled_from(["account", "deposit", "ebill", "cards", "custody", "*"])
ISO = st.sampled_from(["2009", "2019"])
LANGUAGES = st.sampled_from(["de", "fr", "it", "en"])

GRANTS = st.builds(
    Grants,
    all=st.none() | st.dictionaries(TYPES, PROFILES, max_size=3),
    copy_from=st.none() | IDS,
    exclude=st.lists(CONTRACTS | TYPES, max_size=3).map(tuple),
    single=st.lists(st.builds(SingleGrant, CONTRACTS, PROFILES), max_size=3).map(tuple),
)
USERS = st.builds(
    UserSpec,
    id=IDS,
    name=TEXT,
    email=st.none() | EMAILS,
    github=st.none() | GITHUB,
    admin=st.sampled_from(["none", "individual", "collective"]),
    language=st.none() | LANGUAGES,
    grants=GRANTS,
)
CLIENT_SPECS = st.builds(
    ClientSpec,
    id=st.text("0123456789", min_size=1, max_size=10),
    name=TEXT,
    language=LANGUAGES,
    users=st.lists(USERS, max_size=4, unique_by=lambda user: user.id).map(tuple),
    deliveries=st.builds(
        DeliveriesSpec,
        iso_version=st.none() | ISO,
        overrides=st.lists(st.builds(DeliveryOverride, CONTRACTS, ISO), max_size=2).map(tuple),
    ),
    api_keys=st.lists(st.builds(ApiKeySpec, IDS, IDS), max_size=2).map(tuple),
)


@given(CLIENT_SPECS)
def test_generated_specs_round_trip_through_yaml_text(spec):
    text = dump_document(client_document(spec))
    doc = parse_document(text, "c.yaml")
    assert doc.diagnostics == ()
    assert schema_diagnostics(doc, SCHEMA) == []
    assert to_client_spec(doc.data) == spec


@given(st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=4))
def test_spaced_client_ids_normalise_to_their_digits(groups):
    document = {
        "version": 1,
        "client": {"id": " ".join(groups), "name": "M", "language": "de"},
        "users": [],
    }
    doc = parse_document(dump_document(document), "c.yaml")
    assert schema_diagnostics(doc, SCHEMA) == []
    assert to_client_spec(doc.data).id == "".join(groups)

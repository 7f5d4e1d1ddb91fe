"""The importer: the bank's side as the shortest declaration that resolves to it exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from efctl.catalog import load_catalog
from efctl.declarations.convert import client_document, to_client_spec
from efctl.declarations.loader import parse_document
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
from efctl.render.declaration import render_declaration
from efctl.sandbox import load_seed
from reconcile.catalog import IsoGeneration
from reconcile.checks import check_client
from reconcile.diagnostics import Severity
from reconcile.diff import diff_client
from reconcile.importer import Imported, _GrantFinder, _verify, size, spec_from_state
from reconcile.model import (
    NO_PROFILE,
    ApiKeySpec,
    ApiKeyState,
    ClientState,
    Contract,
    DeliveriesSpec,
    Delivery,
    DeliveryOverride,
    Grants,
    SingleGrant,
    UserSpec,
    UserState,
)
from reconcile.resolve import resolve_client

CATALOG = load_catalog()
SCHEMA = with_catalog(load_schema("client"), CATALOG)
EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "bank"
IN_PHASE = date(2026, 6, 1)  # both ISO generations accepted
AFTER_PHASE = date(2026, 11, 28)  # the default catalog's parallel phase ended 2026-11-21

CONTRACTS = (
    Contract("CH01", "account", "Betriebskonto"),
    Contract("CH02", "account", "Lohnkonto"),
    Contract("DP01", "deposit", "Depositenkonto"),
    Contract("EB01", "ebill", "eBill"),
    Contract("KA01", "cards", "Karten"),
    Contract("WS01", "custody", "Depot"),
)


def user(uid: str, rights: dict[str, str], **fields) -> UserState:
    person = {"name": uid.title(), "email": None, "language": "de", "github": None, "admin": "none"}
    return UserState(id=uid, authorizations=rights, **(person | fields))


def bank(*users: UserState, contracts=CONTRACTS, deliveries=(), api_keys=()) -> ClientState:
    return ClientState(
        id="10432210",
        name="Muster Holding AG",
        language="de",
        serial=7,
        contracts=tuple(contracts),
        users=users,
        deliveries=tuple(deliveries),
        api_keys=tuple(api_keys),
    )


def grants_of(state: ClientState, today: date = IN_PHASE) -> dict[str, Grants]:
    return {u.id: u.grants for u in spec_from_state(state, CATALOG, today).spec.users}


def assert_round_trip(state: ClientState, imported: Imported, today: date) -> None:
    """Written, read back and resolved: exactly the bank's rights, valid, no change."""
    text = render_declaration(
        client_document(imported.spec), schema="s.json", source="b", on=today, serial=1
    )
    document = parse_document(text, "x.yaml")
    assert schema_diagnostics(document, SCHEMA) == []
    spec = to_client_spec(document.data)
    assert spec == imported.spec
    resolution = resolve_client(spec, state.contracts, CATALOG)
    assert {uid: r.profiles() for uid, r in resolution.users.items()} == {
        u.id: dict(u.authorizations) for u in state.users
    }
    problems = check_client(spec, state, CATALOG, today)
    assert [d for d in problems if d.severity is Severity.ERROR] == []
    assert diff_client(spec, resolution, state, CATALOG, {}) == ()


# --- the example relationships -------------------------------------------------------------


@pytest.mark.parametrize("state", load_seed(EXAMPLES), ids=lambda s: s.id)
def test_every_example_relationship_round_trips(state):
    imported = spec_from_state(state, CATALOG, IN_PHASE)
    assert imported.notes == ()
    assert_round_trip(state, imported, IN_PHASE)


def test_a_signing_key_the_bank_holds_is_imported_and_round_trips():
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBbNT64y15ZNu3/CWY/inYvkCE8Z0zxjBTph20iw2ak anna"
    state = bank(user("anna", {"CH01": "read"}, admin="collective", signing_key=key))

    imported = spec_from_state(state, CATALOG, IN_PHASE)

    assert [u.signing_key for u in imported.spec.users] == [key]
    assert_round_trip(state, imported, IN_PHASE)


def test_an_example_reads_like_a_hand_written_declaration():
    state = next(s for s in load_seed(EXAMPLES) if s.id == "20145837")
    users = {u.id: u for u in spec_from_state(state, CATALOG, IN_PHASE).spec.users}
    assert list(users) == [u.id for u in state.users]
    assert users["hanspeter.imhof"].grants == Grants(all={"*": "read"})
    assert users["sandra.mueller"].grants == Grants(
        all={"account": "capture", "ebill": "capture", "*": "read"}
    )
    assert users["regula.zuercher"].grants == Grants(
        all={
            "account": "sign_collective",
            "deposit": "sign_collective",
            "custody": "sign_individual",
            "*": "read",
        }
    )
    assert users["claudia.steiner"].grants == Grants(
        single=(
            SingleGrant("CH4109000000478120556", "capture"),
            SingleGrant("EB-20145837-1", "capture"),
            SingleGrant("KA-20145837-1", "read"),
        )
    )
    assert users["regula.zuercher"] == UserSpec(
        id="regula.zuercher",
        name="Regula Zürcher",
        email="regula.zuercher@baertschi-gruppe.example.ch",
        github="regula-zuercher",
        admin="collective",
        language=None,
        grants=users["regula.zuercher"].grants,
    )


# --- the shortest grants ---------------------------------------------------------------------


def test_no_rights_gives_no_grants():
    assert grants_of(bank(user("anna", {}))) == {"anna": Grants()}


def test_one_profile_everywhere_is_all_star():
    rights = {c.id: "read" for c in CONTRACTS}
    assert grants_of(bank(user("anna", rights))) == {"anna": Grants(all={"*": "read"})}


def test_identical_users_copy_the_first_when_that_is_shorter():
    rights = {"CH01": "sign_collective", "CH02": "capture", "EB01": "capture"}
    state = bank(user("anna", rights), user("bruno", rights), user("carla", rights))
    assert grants_of(state) == {
        "anna": Grants(
            single=(
                SingleGrant("CH01", "sign_collective"),
                SingleGrant("CH02", "capture"),
                SingleGrant("EB01", "capture"),
            )
        ),
        "bruno": Grants(copy_from="anna"),
        "carla": Grants(copy_from="anna"),
    }


def test_identical_users_keep_all_when_a_copy_is_not_shorter():
    rights = {c.id: "read" for c in CONTRACTS}
    state = bank(user("anna", rights), user("bruno", rights))
    assert grants_of(state) == {
        "anna": Grants(all={"*": "read"}),
        "bruno": Grants(all={"*": "read"}),
    }


def test_all_with_single_corrections_when_shorter_than_singles():
    contracts = (*CONTRACTS, Contract("CH03", "account", "Mietzinskonto"))
    rights = {"CH01": "capture", "CH02": "capture", "DP01": "read", "EB01": "read", "KA01": "read"}
    assert grants_of(bank(user("anna", rights | {"WS01": "read"}), contracts=contracts)) == {
        "anna": Grants(
            all={"account": "capture", "*": "read"}, single=(SingleGrant("CH03", "none"),)
        )
    }


def test_a_tie_between_two_profiles_for_a_type_goes_to_the_lesser():
    rights = {"CH01": "capture", "DP01": "read", "EB01": "read", "KA01": "read", "WS01": "read"}
    assert grants_of(bank(user("anna", rights))) == {
        "anna": Grants(
            all={"account": "none", "*": "read"}, single=(SingleGrant("CH01", "capture"),)
        )
    }


def test_singles_when_all_would_be_as_long():
    rights = {"CH01": "capture", "KA01": "read"}
    assert grants_of(bank(user("anna", rights))) == {
        "anna": Grants(single=(SingleGrant("CH01", "capture"), SingleGrant("KA01", "read")))
    }


def test_star_names_the_types_that_have_nothing():
    rights = {"CH01": "read", "CH02": "read", "DP01": "read", "EB01": "read", "WS01": "read"}
    assert grants_of(bank(user("anna", rights))) == {
        "anna": Grants(all={"cards": "none", "*": "read"})
    }


def test_never_asks_for_a_profile_the_type_does_not_offer():
    """'*': sign_individual would give read on cards and sign_collective on the deposit by
    fallback - shorter, but it would read as rights the user does not have."""
    rights = {
        "CH01": "sign_individual",
        "CH02": "sign_individual",
        "DP01": "sign_collective",
        "EB01": "sign_individual",
        "KA01": "read",
        "WS01": "sign_individual",
    }
    assert grants_of(bank(user("anna", rights))) == {
        "anna": Grants(all={"deposit": "sign_collective", "cards": "read", "*": "sign_individual"})
    }


def test_relies_on_a_contracts_narrower_list_when_one_profile_per_type_needs_it():
    narrowed = Contract("CH02", "account", "Lohnkonto", allowed=("sign_collective", "read"))
    contracts = (CONTRACTS[0], narrowed)
    state = bank(
        user("anna", {"CH01": "sign_individual", "CH02": "sign_collective"}), contracts=contracts
    )
    assert grants_of(state) == {"anna": Grants(all={"account": "sign_individual"})}
    assert_round_trip(state, spec_from_state(state, CATALOG, IN_PHASE), IN_PHASE)


def test_a_contract_of_a_type_the_catalog_does_not_know_is_left_alone():
    contracts = (*CONTRACTS, Contract("LE01", "leasing", "Leasing"))
    rights = {c.id: "read" for c in CONTRACTS}
    state = bank(user("anna", rights), contracts=contracts)
    assert grants_of(state) == {"anna": Grants(all={"*": "read"})}


def test_a_right_no_declaration_can_give_is_asked_for_and_noted():
    state = bank(user("anna", {"CH01": "read", "WS01": "capture"}))
    imported = spec_from_state(state, CATALOG, IN_PHASE)
    assert imported.spec.users[0].grants == Grants(
        single=(SingleGrant("CH01", "read"), SingleGrant("WS01", "capture"))
    )
    assert imported.notes == (
        "user 'anna' holds capture on WS01 (custody), which the catalog does not allow there: "
        "the declaration asks for it as a single right, and planning shows what the bank would "
        "assign instead",
    )


# --- users, deliveries, keys ---------------------------------------------------------------


def test_user_fields_leave_out_the_defaults():
    state = bank(
        user("anna", {}, email="anna@example.ch", github="anna-m", admin="individual"),
        user("bruno", {}, language="fr"),
    )
    anna, bruno = spec_from_state(state, CATALOG, IN_PHASE).spec.users
    assert anna == UserSpec(
        id="anna", name="Anna", email="anna@example.ch", github="anna-m", admin="individual"
    )
    assert bruno == UserSpec(id="bruno", name="Bruno", language="fr")


def camt(delivery_id: str, version: str | None, kind: str = "camt.053") -> Delivery:
    return Delivery(delivery_id, "CH01", kind, version, "ebanking", "daily")


def test_deliveries_take_the_most_common_version_and_override_the_rest():
    state = bank(
        deliveries=[
            camt("D-1", "2009"),
            camt("D-2", "2009"),
            camt("D-3", "2019"),
            camt("D-4", None, "statement"),
        ]
    )
    imported = spec_from_state(state, CATALOG, IN_PHASE)
    assert imported.spec.deliveries == DeliveriesSpec("2009", (DeliveryOverride("D-3", "2019"),))
    assert_round_trip(state, imported, IN_PHASE)


def test_a_tie_goes_to_the_newer_generation():
    state = bank(deliveries=[camt("D-1", "2009"), camt("D-2", "2019")])
    assert spec_from_state(state, CATALOG, IN_PHASE).spec.deliveries == DeliveriesSpec(
        "2019", (DeliveryOverride("D-1", "2009"),)
    )


def test_no_camt_delivery_declares_no_version():
    state = bank(deliveries=[camt("D-4", None, "statement")])
    assert spec_from_state(state, CATALOG, IN_PHASE).spec.deliveries == DeliveriesSpec()


def test_after_the_parallel_phase_an_old_version_is_declared_new_and_noted():
    state = bank(deliveries=[camt("D-1", "2009"), camt("D-2", "2009"), camt("D-3", "2019")])
    imported = spec_from_state(state, CATALOG, AFTER_PHASE)
    assert imported.spec.deliveries == DeliveriesSpec("2019")
    assert imported.notes == tuple(
        f"delivery {d} (camt.053) is still on ISO version 2009, no longer accepted since "
        '2026-11-21: the declaration asks for "2019", and planning shows that change'
        for d in ("D-1", "D-2")
    )
    problems = check_client(imported.spec, state, CATALOG, AFTER_PHASE)
    assert problems == []


def test_api_keys_are_declared_by_name_and_user():
    key = ApiKeyState("erp", "anna", "sha256:" + "0" * 64, date(2025, 3, 1), date(2027, 3, 1))
    state = bank(user("anna", {}), api_keys=[key])
    assert spec_from_state(state, CATALOG, IN_PHASE).spec.api_keys == (ApiKeySpec("erp", "anna"),)


# --- any bank state --------------------------------------------------------------------------

TYPES = list(CATALOG.contract_types)


@st.composite
def bank_states(draw, *, allowed_only: bool = True) -> ClientState:
    """Random contracts (some narrowed) and users holding profiles on them: the allowed ones,
    or with ``allowed_only=False`` any profile of the catalog, as a careless bank might."""
    contracts = []
    for index in range(draw(st.integers(0, 8))):
        contract_type = draw(st.sampled_from(TYPES))
        offered = CATALOG.contract_types[contract_type].allowed
        narrowed = draw(st.none() | st.lists(st.sampled_from(offered), unique=True).map(tuple))
        contracts.append(Contract(f"C{index}", contract_type, "a contract", narrowed))
    people = []
    for index in range(draw(st.integers(0, 6))):
        rights = {}
        for contract in contracts:
            offered = CATALOG.allowed_for(contract) if allowed_only else CATALOG.profiles[:-1]
            profile = draw(st.sampled_from([*offered, NO_PROFILE]))
            if profile != NO_PROFILE:
                rights[contract.id] = profile
        people.append(user(f"user{index}", rights))
    return bank(*people, contracts=contracts)


@given(bank_states())
def test_any_bank_state_round_trips_exactly(state):
    imported = spec_from_state(state, CATALOG, IN_PHASE)
    assert imported.notes == ()
    assert_round_trip(state, imported, IN_PHASE)
    for declared, held in zip(imported.spec.users, state.users, strict=True):
        assert size(declared.grants) <= len(held.authorizations)  # never longer than singles


@given(bank_states(allowed_only=False))
def test_rights_no_declaration_can_give_are_noted_and_the_rest_round_trips(state):
    imported = spec_from_state(state, CATALOG, IN_PHASE)
    resolution = resolve_client(imported.spec, state.contracts, CATALOG)
    unreachable = 0
    for held in state.users:
        got = resolution.users[held.id].profiles()
        for contract in state.contracts:
            want = held.authorizations.get(contract.id, NO_PROFILE)
            if want == NO_PROFILE or want in CATALOG.allowed_for(contract):
                assert got.get(contract.id, NO_PROFILE) == want
            else:
                unreachable += 1
    assert len(imported.notes) == unreachable


# --- edges of the shortest grants and of the deliveries ----------------------------------------


def test_size_counts_every_entry_a_person_reads():
    grants = Grants(all={"account": "read", "*": "none"}, exclude=("CH01",), single=())
    assert (size(grants), size(Grants(copy_from="anna")), size(Grants())) == (3, 1, 0)
    assert size(Grants(all={"*": "read"}, exclude=("CH01", "DP01"), copy_from="x")) == 4


def test_an_identical_user_copies_when_the_grants_have_two_entries():
    rights = {c.id: "read" for c in CONTRACTS} | {"CH01": "capture", "CH02": "capture"}
    state = bank(user("anna", rights), user("bruno", rights))
    assert grants_of(state) == {
        "anna": Grants(all={"account": "capture", "*": "read"}),
        "bruno": Grants(copy_from="anna"),
    }


def test_a_type_is_named_only_where_that_is_shorter_than_correcting_the_catch_all():
    rights = {"CH01": "read", "CH02": "capture", "DP01": "read", "EB01": "read"}
    rights |= {"KA01": "read", "WS01": "read"}
    assert grants_of(bank(user("anna", rights))) == {
        "anna": Grants(all={"*": "read"}, single=(SingleGrant("CH02", "capture"),))
    }


def test_deliveries_after_one_without_a_version_are_declared():
    state = bank(deliveries=[camt("D-4", None, "statement"), camt("D-1", "2009")])
    assert spec_from_state(state, CATALOG, IN_PHASE).spec.deliveries == DeliveriesSpec("2009")


def test_on_the_last_day_of_the_parallel_phase_an_old_version_is_still_declared_as_it_is():
    state = bank(deliveries=[camt("D-1", "2009")])
    imported = spec_from_state(state, CATALOG, CATALOG.parallel_phase_end)
    assert (imported.spec.deliveries, imported.notes) == (DeliveriesSpec("2009"), ())


def test_a_version_the_catalog_does_not_know_loses_a_tie_to_every_generation():
    state = bank(deliveries=[camt("D-1", "2099"), camt("D-2", "2009")])
    assert spec_from_state(state, CATALOG, IN_PHASE).spec.deliveries == DeliveriesSpec(
        "2009", (DeliveryOverride("D-1", "2099"),)
    )


def test_after_the_parallel_phase_an_old_version_is_declared_as_the_newest_of_three():
    newest = IsoGeneration("2024", "camt.053.001.10", ())
    catalog = replace(CATALOG, iso_versions={**CATALOG.iso_versions, "2024": newest})
    state = bank(deliveries=[camt("D-1", "2019")])
    imported = spec_from_state(state, catalog, AFTER_PHASE)
    assert imported.spec.deliveries == DeliveriesSpec("2024")


def test_an_import_that_would_not_resolve_to_the_bank_is_refused_not_written():
    """The safety net behind every import: the declaration is resolved and compared."""
    state = bank(user("anna", {"CH01": "read"}))
    finder = _GrantFinder(state.contracts, CATALOG)
    gives_more = UserSpec("anna", "Anna", grants=Grants(all={"*": "read"}))
    spec = spec_from_state(state, CATALOG, IN_PHASE).spec
    with pytest.raises(AssertionError) as refused:
        _verify(replace(spec, users=(gives_more,)), state, finder)
    assert str(refused.value) == (
        "import of user 'anna' of 10432210 resolves to read on CH02, the bank has none"
    )
    gives_less = UserSpec("anna", "Anna")
    with pytest.raises(AssertionError) as refused:
        _verify(replace(spec, users=(gives_less,)), state, finder)
    assert str(refused.value) == (
        "import of user 'anna' of 10432210 resolves to none on CH01, the bank has read"
    )

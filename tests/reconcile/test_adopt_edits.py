"""adopt: the exact edits that take each kind of bank change into the declaration, and the
declaration they make plans no change at the adopted addresses while the rest stays planned."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest
import yaml

from efctl.declarations.convert import to_client_spec, user_document
from efctl.declarations.edit import edit_declaration
from reconcile.adopt import Adoption, adopt
from reconcile.diff import diff_client
from reconcile.edits import Edit, Op
from reconcile.model import ApiKeyState, ClientState, Contract, Delivery, UserState
from reconcile.plan import Action
from reconcile.resolve import resolve_client

C = "10432210"
CHF = "CH5604835012345678009"
BILLING = "BS-10432210-1"
TODAY = date(2026, 6, 1)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests anna@example.ch"

HEAD = f'version: 1\nclient: {{id: "{C}", name: Muster Holding AG, language: de}}\n'
CONTRACTS = (
    Contract(CHF, "account", "Geschäftskonto CHF"),
    Contract(BILLING, "billing_solutions", "Billing Solutions"),
)


def person(uid: str, *, admin: str = "none", language: str = "de", **fields) -> UserState:
    """A bank user with read on the account, named and mailed after the id unless given."""
    return UserState(
        uid,
        fields.get("name", uid.replace(".", " ").title()),
        fields.get("email", f"{uid}@example.ch"),
        language,
        fields.get("github"),
        admin,
        fields.get("rights", {CHF: "read"}),
        fields.get("signing_key"),
    )


def bank(*users: UserState, deliveries=(), api_keys=()) -> ClientState:
    return ClientState(
        C,
        "Muster Holding AG",
        "de",
        41,
        contracts=CONTRACTS,
        users=users,
        deliveries=tuple(deliveries),
        api_keys=tuple(api_keys),
    )


def key(name: str, user: str, expires: date = date(2028, 1, 1)) -> ApiKeyState:
    return ApiKeyState(name, user, "sha256:" + "ab" * 32, date(2026, 1, 1), expires)


def camt(delivery: str, version: str) -> Delivery:
    return Delivery(delivery, CHF, "camt.053", version, "ebanking", "daily")


@pytest.fixture
def adopting(catalog):
    """adopt() on a declaration's YAML; ``from_bank``: the addresses the bank's orders made."""

    def run(text: str, state: ClientState, last_applied=None, from_bank=()) -> Adoption:
        spec = to_client_spec(yaml.safe_load(HEAD + textwrap.dedent(text)))
        return adopt(
            spec,
            state,
            catalog,
            TODAY,
            last_applied or {},
            lambda change: change.address in from_bank,
            user_document,
        )

    return run


@pytest.fixture
def replanned(catalog):
    """The addresses a plan of the declaration with the adoption's edits still changes."""

    def run(text: str, adoption: Adoption, state: ClientState) -> list[str]:
        edited = edit_declaration(HEAD + textwrap.dedent(text), adoption.edits, "test.yaml")
        spec = to_client_spec(yaml.safe_load(edited))
        resolution = resolve_client(spec, state.contracts, catalog)
        return [c.address for c in diff_client(spec, resolution, state, catalog, {}, TODAY)]

    return run


def addresses(changes) -> list[str]:
    return [change.address for change in changes]


USERS = """\
users:
  - id: anna.muster
    name: Anna Muster
    email: anna.muster@example.ch
    github: anna-m
    language: fr
    authorizations: {all: {account: read}}
  - id: bruno.keller
    name: Bruno Keller
    email: bruno.keller@example.ch
    authorizations: {all: {account: read}}
"""


def test_a_drifted_user_record_sets_only_the_fields_the_bank_changed(adopting, replanned):
    """Name kept; e-mail and login as the bank has them; a language equal to the
    relationship's goes from the entry, another one is written."""
    state = bank(
        person("anna.muster", language="de", email="anna@muster.ch"),
        person("bruno.keller", language="it"),
    )
    anna, bruno = f"{C}/users/anna.muster", f"{C}/users/bruno.keller"
    applied = {
        anna: {"email": "anna.muster@example.ch", "github": "anna-m", "language": "fr"},
        bruno: {"language": "de"},
    }
    adoption = adopting(USERS, state, applied)
    assert adoption.edits == (
        Edit(Op.SET, ("users", 0, "email"), "anna@muster.ch"),
        Edit(Op.SET, ("users", 0, "github"), None),
        Edit(Op.SET, ("users", 0, "language"), None),
        Edit(Op.SET, ("users", 1, "language"), "it"),
    )
    assert (addresses(adoption.adopted), adoption.left) == ([anna, bruno], ())
    assert replanned(USERS, adoption, state) == []


def test_a_change_the_declaration_asks_for_is_left_and_stays_planned(adopting, replanned):
    """Only drift or the bank's own orders are adopted; the rest is the declaration's."""
    state = bank(person("anna.muster"), person("bruno.keller", name="B. Keller"))
    bruno = f"{C}/users/bruno.keller"
    text = USERS.replace("    language: fr\n", "")
    adoption = adopting(text, state, {}, from_bank={bruno})
    assert adoption.edits == (Edit(Op.SET, ("users", 1, "name"), "B. Keller"),)
    assert addresses(adoption.adopted) == [bruno]
    assert addresses(adoption.left) == [f"{C}/users/anna.muster"]  # her login, not the bank's
    assert replanned(text, adoption, state) == [f"{C}/users/anna.muster"]
    nothing = adopting(text, state, {})
    assert (nothing.edits, nothing.adopted, addresses(nothing.left)) == (
        (),
        (),
        [f"{C}/users/anna.muster", bruno],
    )


READ = {CHF: "read", BILLING: "read"}
ADMINS = """\
users:
  - {id: anna.muster, name: Anna Muster, admin: collective, authorizations: {all: {'*': read}}}
  - {id: bruno.keller, name: Bruno Keller, admin: collective, authorizations: {all: {'*': read}}}
"""


def test_the_banks_admin_rights_are_written_and_none_removes_the_key(adopting, replanned):
    state = bank(
        person("anna.muster", admin="individual", email=None, rights=READ),
        person("bruno.keller", email=None, rights=READ),
    )
    anna, bruno = f"{C}/users/anna.muster/admin", f"{C}/users/bruno.keller/admin"
    adoption = adopting(ADMINS, state, from_bank={anna, bruno})
    assert adoption.edits == (
        Edit(Op.SET, ("users", 0, "admin"), "individual"),
        Edit(Op.SET, ("users", 1, "admin"), None),
    )
    assert replanned(ADMINS, adoption, state) == []


def test_a_signing_key_is_taken_as_the_bank_holds_it_or_goes(adopting, replanned):
    text = ADMINS.replace("admin: collective, ", "").replace(
        "name: Bruno Keller, ", f"name: Bruno Keller, signing_key: {KEY}, "
    )
    state = bank(
        person("anna.muster", email=None, rights=READ, signing_key=KEY),
        person("bruno.keller", email=None, rights=READ),
    )
    anna, bruno = f"{C}/users/anna.muster/signing_key", f"{C}/users/bruno.keller/signing_key"
    adoption = adopting(text, state, from_bank={anna, bruno})
    assert adoption.edits == (
        Edit(Op.SET, ("users", 0, "signing_key"), KEY),
        Edit(Op.SET, ("users", 1, "signing_key"), None),
    )
    assert replanned(text, adoption, state) == []


DELIVERIES = """\
deliveries:
  iso_version: "2009"
  overrides: [{delivery: D-70, iso_version: "2009"}, {delivery: D-77, iso_version: "2009"}]
users: []
"""


def test_a_delivery_version_sets_its_override_or_appends_one(adopting, replanned):
    state = bank(deliveries=[camt("D-70", "2009"), camt("D-77", "2019"), camt("D-78", "2019")])
    applied = {f"{C}/deliveries/{d}": {"iso_version": "2009"} for d in ("D-77", "D-78")}
    adoption = adopting(DELIVERIES, state, applied)
    assert adoption.edits == (
        Edit(Op.SET, ("deliveries", "overrides", 1, "iso_version"), "2019"),
        Edit(Op.APPEND, ("deliveries", "overrides"), {"delivery": "D-78", "iso_version": "2019"}),
    )
    assert replanned(DELIVERIES, adoption, state) == []


KEYS = """\
users:
  - {id: anna.muster, name: Anna Muster, authorizations: {all: {'*': read}}}
  - {id: bruno.keller, name: Bruno Keller, authorizations: {all: {'*': read}}}
api_keys:
  - {name: shop, user: anna.muster}
  - {name: revoked, user: anna.muster}
  - {name: erp, user: anna.muster}
"""


def test_api_keys_are_declared_removed_or_given_their_banks_owner(adopting, replanned):
    """A key only the bank has is declared; one the bank revoked goes; one whose owner the
    bank changed gets that owner; one merely due for rotation needs no edit."""
    state = bank(
        person("anna.muster", email=None, rights=READ),
        person("bruno.keller", email=None, rights=READ),
        api_keys=[
            key("shop", "anna.muster", expires=date(2026, 6, 10)),  # rotated: within 30 days
            key("erp", "bruno.keller"),
            key("web", "bruno.keller"),
        ],
    )
    every = {f"{C}/api_keys/{name}" for name in ("shop", "revoked", "erp", "web")}
    adoption = adopting(KEYS, state, from_bank=every)
    assert [(c.address, c.action) for c in adoption.adopted] == [
        (f"{C}/api_keys/erp", Action.REPLACE),
        (f"{C}/api_keys/revoked", Action.CREATE),
        (f"{C}/api_keys/shop", Action.REPLACE),
        (f"{C}/api_keys/web", Action.DELETE),
    ]
    assert adoption.edits == (
        Edit(Op.SET, ("api_keys", 2, "user"), "bruno.keller"),
        Edit(Op.REMOVE, ("api_keys", 1)),
        Edit(Op.APPEND, ("api_keys",), {"name": "web", "user": "bruno.keller"}),
    )
    assert replanned(KEYS, adoption, state) == [f"{C}/api_keys/shop"]  # still due for rotation


PEOPLE = """\
users:
  - {id: anna.muster, name: Anna Muster, admin: collective, authorizations: {all: {account: read}}}
  - {id: carla.rossi, name: Carla Rossi, authorizations: {all: {'*': read}}}
  - {id: emil.frei, name: Emil Frei, until: "2026-05-01", authorizations: {all: {account: read}}}
api_keys:
  - {name: shop, user: anna.muster}
  - {name: erp, user: carla.rossi}
"""


def test_users_the_bank_added_deleted_or_kept_after_their_until(adopting, replanned):
    """The bank's new users are declared as import writes them (a language only where it is
    not the relationship's); one the bank deleted goes with
    their key (the key's own removal is not repeated); an expired user the bank keeps loses
    the until."""
    state = bank(
        person("anna.muster", admin="collective", email=None),
        person("dora.meier", language="fr", rights={CHF: "sign_collective"}),
        person("emil.frei", email=None),
        person("fritz.berger", email=None, rights={}),
        api_keys=[key("shop", "anna.muster")],
    )
    carla, dora, emil = (f"{C}/users/{u}" for u in ("carla.rossi", "dora.meier", "emil.frei"))
    from_bank = {carla, dora, emil, f"{C}/users/fritz.berger", f"{C}/api_keys/erp"}
    adoption = adopting(PEOPLE, state, from_bank=from_bank)
    dora_entry = {
        "id": "dora.meier",
        "name": "Dora Meier",
        "email": "dora.meier@example.ch",
        "language": "fr",
        "authorizations": {"single": [{"contract": CHF, "profile": "sign_collective"}]},
    }
    assert adoption.edits == (
        Edit(Op.REMOVE, ("users", 1)),
        Edit(Op.REMOVE, ("api_keys", 1)),
        Edit(Op.APPEND, ("users",), dora_entry),
        Edit(Op.SET, ("users", 2, "until"), None),
        Edit(Op.APPEND, ("users",), {"id": "fritz.berger", "name": "Fritz Berger"}),  # de
    )
    assert replanned(PEOPLE, adoption, state) == []


RIGHTS = f"""\
users:
  - {{id: erik.frey, name: Erik Frey, authorizations: {{all: {{account: read}}}}}}
  - {{id: bruno.keller, name: Bruno Keller, authorizations: {{copy_from: anna.muster}}}}
  - id: anna.muster
    name: Anna Muster
    authorizations:
      single:
        - {{contract: {CHF}, profile: sign_collective}}
        - {{contract: {BILLING}, profile: read}}
"""


def right(user: str, contract: str) -> str:
    return f"{C}/users/{user}/authorizations/{contract}"


def test_rights_the_bank_changed_are_pinned_and_a_copy_keeps_what_it_had(adopting, replanned):
    """The bank lowered Anna's and Bruno's account to read and took Anna's Billing Solutions
    right: Anna's single entries take the bank's profiles (`none` for the one taken), and Bruno,
    who copies her, still resolves to read on the account and gets his Billing Solutions right
    pinned, judged after Anna's edits (a copy comes after its source whatever the file order).
    Erik, whom only the declaration has, stays planned."""
    state = bank(
        person("anna.muster", email=None, rights={CHF: "read"}),
        person("bruno.keller", email=None, rights={CHF: "read", BILLING: "read"}),
    )
    applied = {
        right("anna.muster", CHF): {"profile": "sign_collective"},
        right("anna.muster", BILLING): {"profile": "read"},
        right("bruno.keller", CHF): {"profile": "sign_collective"},
    }
    adoption = adopting(RIGHTS, state, applied)
    single = ("authorizations", "single")
    assert adoption.edits == (
        Edit(Op.SET, ("users", 2, *single, 0, "profile"), "read"),
        Edit(Op.SET, ("users", 2, *single, 1, "profile"), "none"),
        Edit(Op.APPEND, ("users", 1, *single), {"contract": BILLING, "profile": "read"}),
    )
    erik = [f"{C}/users/erik.frey", right("erik.frey", CHF)]
    assert addresses(adoption.left) == erik
    assert replanned(RIGHTS, adoption, state) == erik


def test_a_right_without_its_own_entry_gets_one_appended(adopting, replanned):
    """Anna's account right comes from `all`: the bank's profile is appended as a single entry,
    which Bruno and Carla, copying her (Carla through Bruno), take as the bank has it too."""
    text = """\
users:
  - {id: carla.rossi, name: Carla Rossi, authorizations: {copy_from: bruno.keller}}
  - {id: bruno.keller, name: Bruno Keller, authorizations: {copy_from: anna.muster}}
  - {id: anna.muster, name: Anna Muster, authorizations: {all: {account: sign_collective}}}
"""
    copies = ("anna.muster", "bruno.keller", "carla.rossi")
    state = bank(*(person(u, email=None) for u in copies))
    applied = {right(u, CHF): {"profile": "sign_collective"} for u in copies}
    adoption = adopting(text, state, applied)
    appended = {"contract": CHF, "profile": "read"}
    assert adoption.edits == (Edit(Op.APPEND, ("users", 2, "authorizations", "single"), appended),)
    assert replanned(text, adoption, state) == []

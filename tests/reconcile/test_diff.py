"""diff_client: every change kind as exact Change objects, drift, order, and linear size."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reconcile.diff import diff_client
from reconcile.model import (
    ApiKeyState,
    ClientSpec,
    ClientState,
    Contract,
    Delivery,
    Grants,
    KeyState,
    UserSpec,
    UserState,
)
from reconcile.plan import Action, Address, Change, Note, NoteKind, Resource
from reconcile.resolve import resolve_client

C = "10432210"
CHF = "CH5604835012345678009"  # account
RENT = "CH9300762011623852957"  # account allowing sign_collective, capture, read
EBILL = "EB-10432210-1"
BILLING = "BS-10432210-1"
CARDS = "KK-10432210-1"
FINGERPRINT = "sha256:" + "ab" * 32

ADMIN_NOTE = Note(
    NoteKind.ADMIN_FORM,
    'the bank changes the Admin right only on the signed form "assignment/change of the '
    'electronic Admin right"; apply pre-fills it for signature',
    {"form": "assignment/change of the electronic Admin right"},
)
KEY_NOTE = Note(
    NoteKind.KEY_ISSUE,
    "the bank shows a new key once; apply hands it to the secret sink, never the plan",
)
PAIRS_2019 = Note(
    NoteKind.ISO_PAIRING,
    "ISO 2019: camt.05x.001.08, pairs with pain.001.001.09 and pain.002.001.10",
    {
        "iso_version": "2019",
        "camt": "camt.05x.001.08",
        "pain": ["pain.001.001.09", "pain.002.001.10"],
    },
)
PAIRS_2009 = Note(
    NoteKind.ISO_PAIRING,
    "ISO 2009: camt.05x.001.04, pairs with pain.001.001.03 and pain.002.001.03",
    {
        "iso_version": "2009",
        "camt": "camt.05x.001.04",
        "pain": ["pain.001.001.03", "pain.002.001.03"],
    },
)
RENT_FALLBACK = Note(
    NoteKind.FALLBACK,
    "sign_individual not allowed on CH9300762011623852957 (account; this contract allows only "
    "sign_collective, capture, read), assigned sign_collective",
    {"requested": "sign_individual", "assigned": "sign_collective"},
)


def direction(kind: NoteKind, before: str, after: str) -> Note:
    return Note(kind, f"{before} -> {after}", {"before": before, "after": after})


def drift(text: str, bank, applied) -> Note:
    return Note(NoteKind.DRIFT, text, {"bank": bank, "applied": applied})


CONTRACTS = (
    Contract(CHF, "account", "Geschäftskonto CHF"),
    Contract(RENT, "account", "Mietzinskonto", ("sign_collective", "capture", "read")),
    Contract(EBILL, "ebill", "eBill"),
    Contract(BILLING, "billing_solutions", "Billing Solutions"),
    Contract(CARDS, "cards", "Geschäftskarten"),
)


def user_state(uid: str, admin: str = "none", language: str = "de", **rights: str) -> UserState:
    return UserState(
        uid, uid.replace(".", " ").title(), f"{uid}@example.ch", language, None, admin, rights
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


ANNA_BANK = user_state("anna.muster", "collective", **{CHF: "sign_collective", EBILL: "capture"})
ANNA = (
    "{id: anna.muster, name: Anna Muster, email: anna.muster@example.ch, admin: collective,"
    " authorizations: {single: [{contract: CH5604835012345678009, profile: sign_collective},"
    " {contract: EB-10432210-1, profile: capture}]}}"
)


@pytest.fixture
def diff(declare, catalog):
    def run(text: str, state: ClientState, last_applied=None) -> tuple[Change, ...]:
        spec = declare(text)
        resolution = resolve_client(spec, state.contracts, catalog)
        return diff_client(spec, resolution, state, catalog, last_applied or {})

    return run


def right(user: str, contract: str, action: Action, before, after, *notes, drift=False):
    return Change(
        f"{C}/users/{user}/authorizations/{contract}",
        action,
        Resource.AUTHORIZATION,
        None if before is None else {"profile": before},
        None if after is None else {"profile": after},
        notes,
        drift,
    )


def test_a_declaration_that_matches_the_bank_changes_nothing(diff):
    assert diff(f"users: [{ANNA}]", bank(ANNA_BANK)) == ()


# --- users ------------------------------------------------------------------------------------


def test_a_new_user_is_created_with_the_admin_form_and_every_right(diff):
    text = f"""
    users:
      - {ANNA}
      - id: bruno.keller
        name: Bruno Keller
        github: bkeller
        admin: individual
        authorizations: {{all: {{account: sign_individual, ebill: capture}}}}
    """
    assert diff(text, bank(ANNA_BANK)) == (
        Change(
            f"{C}/users/bruno.keller",
            Action.CREATE,
            Resource.USER,
            None,
            {"name": "Bruno Keller", "email": None, "language": "de", "github": "bkeller"},
        ),
        Change(
            f"{C}/users/bruno.keller/admin",
            Action.MANUAL,
            Resource.ADMIN_RIGHT,
            {"admin": "none"},
            {"admin": "individual"},
            (ADMIN_NOTE,),
        ),
        right("bruno.keller", CHF, Action.CREATE, None, "sign_individual"),
        right(
            "bruno.keller",
            RENT,
            Action.CREATE,
            None,
            "sign_collective",
            RENT_FALLBACK,
        ),
        right("bruno.keller", EBILL, Action.CREATE, None, "capture"),
    )


def test_a_new_user_without_admin_right_gets_no_admin_change(diff):
    text = f"users: [{ANNA}, {{id: dora.dill, name: Dora Dill, language: fr}}]"
    assert diff(text, bank(ANNA_BANK)) == (
        Change(
            f"{C}/users/dora.dill",
            Action.CREATE,
            Resource.USER,
            None,
            {"name": "Dora Dill", "email": None, "language": "fr", "github": None},
        ),
    )


def test_a_user_whose_personal_data_differs_is_updated_naming_the_fields(diff):
    moved = replace(ANNA_BANK, email="a.muster@example.ch", language="fr")
    assert diff(f"users: [{ANNA}]", bank(moved)) == (
        Change(
            f"{C}/users/anna.muster",
            Action.UPDATE,
            Resource.USER,
            {
                "name": "Anna Muster",
                "email": "a.muster@example.ch",
                "language": "fr",
                "github": None,
            },
            {
                "name": "Anna Muster",
                "email": "anna.muster@example.ch",
                "language": "de",
                "github": None,
            },
            (Note(NoteKind.FIELDS, "changed email, language", {"fields": ["email", "language"]}),),
        ),
    )


def test_a_user_only_the_bank_has_is_deleted_with_every_right(diff):
    carla = user_state(
        "carla.rossi", "individual", language="it", **{EBILL: "read", CHF: "capture"}
    )
    assert diff(f"users: [{ANNA}]", bank(ANNA_BANK, carla)) == (
        Change(
            f"{C}/users/carla.rossi",
            Action.DELETE,
            Resource.USER,
            {
                "name": "Carla Rossi",
                "email": "carla.rossi@example.ch",
                "language": "it",
                "github": None,
            },
            None,
            (
                Note(
                    NoteKind.ADMIN_ENDS,
                    "the user's Admin right (individual) ends",
                    {"admin": "individual"},
                ),
            ),
        ),
        right("carla.rossi", CHF, Action.DELETE, "capture", None),
        right("carla.rossi", EBILL, Action.DELETE, "read", None),
    )


def test_a_changed_admin_right_is_manual(diff):
    anna_individual = ANNA.replace("admin: collective", "admin: individual")
    assert diff(f"users: [{anna_individual}]", bank(ANNA_BANK)) == (
        Change(
            f"{C}/users/anna.muster/admin",
            Action.MANUAL,
            Resource.ADMIN_RIGHT,
            {"admin": "collective"},
            {"admin": "individual"},
            (ADMIN_NOTE,),
        ),
    )


# --- authorizations ---------------------------------------------------------------------------


def test_rights_are_raised_lowered_created_and_deleted_with_their_reasons(diff):
    held = user_state(
        "bruno.keller", **{CHF: "read", RENT: "sign_collective", EBILL: "capture", CARDS: "read"}
    )
    text = f"""
    users:
      - {ANNA}
      - id: bruno.keller
        name: Bruno Keller
        email: bruno.keller@example.ch
        authorizations:
          all: {{account: sign_individual, ebill: read, billing_solutions: read, cards: read}}
          exclude: [cards]
    """
    assert diff(text, bank(ANNA_BANK, held)) == (
        right("bruno.keller", BILLING, Action.CREATE, None, "read"),
        right(
            "bruno.keller",
            CHF,
            Action.UPDATE,
            "read",
            "sign_individual",
            direction(NoteKind.RAISE, "read", "sign_individual"),
        ),
        right(
            "bruno.keller",
            EBILL,
            Action.UPDATE,
            "capture",
            "read",
            direction(NoteKind.LOWER, "capture", "read"),
        ),
        right(
            "bruno.keller",
            CARDS,
            Action.DELETE,
            "read",
            None,
            Note(
                NoteKind.DROPPED,
                "excluded by exclude entry 'cards'",
                {"requested": "read", "excluded_by": "cards"},
            ),
        ),
    )


def test_an_update_to_a_fallback_profile_carries_the_fallback_note(diff):
    held = user_state("bruno.keller", **{RENT: "read"})
    text = f"""
    users:
      - {ANNA}
      - {{id: bruno.keller, name: Bruno Keller, email: bruno.keller@example.ch,
          authorizations: {{single: [{{contract: {RENT}, profile: sign_individual}}]}}}}
    """
    assert diff(text, bank(ANNA_BANK, held)) == (
        right(
            "bruno.keller",
            RENT,
            Action.UPDATE,
            "read",
            "sign_collective",
            direction(NoteKind.RAISE, "read", "sign_collective"),
            RENT_FALLBACK,
        ),
    )


def test_a_right_that_falls_back_to_none_is_deleted_saying_why(diff):
    joint = Contract("CH4431999123000889012", "account", "Kollektivkonto", ("sign_collective",))
    held = user_state("bruno.keller", **{joint.id: "sign_collective"})
    state = replace(bank(ANNA_BANK, held), contracts=(*CONTRACTS, joint))
    text = f"""
    users:
      - {ANNA}
      - {{id: bruno.keller, name: Bruno Keller, email: bruno.keller@example.ch,
          authorizations: {{single: [{{contract: {joint.id}, profile: capture}}]}}}}
    """
    assert diff(text, state) == (
        right(
            "bruno.keller",
            joint.id,
            Action.DELETE,
            "sign_collective",
            None,
            Note(
                NoteKind.FALLBACK,
                "capture not allowed on CH4431999123000889012 (account; this contract allows "
                "only sign_collective), no lower profile allowed, assigned none",
                {"requested": "capture", "assigned": "none"},
            ),
        ),
    )


# --- deliveries -------------------------------------------------------------------------------

D77 = Delivery("D-77", CHF, "camt.053", "2009", "ebanking", "daily")
D78 = Delivery("D-78", CHF, "camt.054", "2019", "file_transfer", "daily", "detailed")
D79 = Delivery("D-79", CHF, "statement", None, "ebanking", "monthly")
D80 = Delivery("D-80", RENT, "camt.052", "2009", "ebanking", "intraday")


def delivery(d: Delivery, after: str, *notes: Note, drift: bool = False) -> Change:
    return Change(
        f"{C}/deliveries/{d.id}",
        Action.UPDATE,
        Resource.DELIVERY,
        {"iso_version": d.iso_version, "kind": d.kind, "contract": d.contract},
        {"iso_version": after},
        notes,
        drift,
    )


def test_camt_deliveries_take_the_relationship_version_pdf_deliveries_never_change(diff):
    state = bank(ANNA_BANK, deliveries=(D80, D79, D78, D77))
    text = f'deliveries: {{iso_version: "2019"}}\nusers: [{ANNA}]'
    assert diff(text, state) == (
        delivery(D77, "2019", PAIRS_2019),
        delivery(D80, "2019", PAIRS_2019),
    )


def test_an_override_wins_over_the_relationship_version(diff):
    state = bank(ANNA_BANK, deliveries=(D77, D78, D79, D80))
    text = f"""
    deliveries: {{iso_version: "2019", overrides: [{{delivery: D-78, iso_version: "2009"}},
                                                  {{delivery: D-80, iso_version: "2009"}}]}}
    users: [{ANNA}]
    """
    assert diff(text, state) == (
        delivery(D77, "2019", PAIRS_2019),
        delivery(D78, "2009", PAIRS_2009),
    )


def test_without_a_version_deliveries_stay_as_the_bank_has_them_unless_overridden(diff):
    state = bank(ANNA_BANK, deliveries=(D77, D80))
    text = f"""
    deliveries: {{overrides: [{{delivery: D-80, iso_version: "2019"}}]}}
    users: [{ANNA}]
    """
    assert diff(text, state) == (delivery(D80, "2019", PAIRS_2019),)


# --- API keys ---------------------------------------------------------------------------------


def key_state(name: str, user: str) -> ApiKeyState:
    return ApiKeyState(name, user, FINGERPRINT, date(2025, 3, 1), date(2027, 3, 1))


def test_api_keys_are_created_deleted_and_replaced_never_with_a_secret(diff):
    bruno = user_state("bruno.keller", **{BILLING: "sign_individual"})
    state = bank(
        ANNA_BANK,
        bruno,
        api_keys=(key_state("erp-old", "bruno.keller"), key_state("erp-payroll", "anna.muster")),
    )
    text = f"""
    users:
      - {ANNA}
      - {{id: bruno.keller, name: Bruno Keller, email: bruno.keller@example.ch,
          authorizations: {{single: [{{contract: {BILLING}, profile: sign_individual}}]}}}}
    api_keys:
      - {{name: erp-payroll, user: bruno.keller}}
      - {{name: erp-invoicing, user: bruno.keller}}
    """
    held = {"fingerprint": FINGERPRINT, "expires": "2027-03-01"}
    assert diff(text, state) == (
        Change(
            f"{C}/api_keys/erp-invoicing",
            Action.CREATE,
            Resource.API_KEY,
            None,
            {"user": "bruno.keller"},
            (KEY_NOTE,),
        ),
        Change(
            f"{C}/api_keys/erp-old",
            Action.DELETE,
            Resource.API_KEY,
            {"user": "bruno.keller", **held},
            None,
        ),
        Change(
            f"{C}/api_keys/erp-payroll",
            Action.REPLACE,
            Resource.API_KEY,
            {"user": "anna.muster", **held},
            {"user": "bruno.keller"},
            (
                Note(
                    NoteKind.KEY_REVOKED,
                    "the key of anna.muster is revoked and a new one issued",
                    {"user": "anna.muster"},
                ),
                KEY_NOTE,
            ),
        ),
    )


@pytest.fixture
def diff_on(declare, catalog):
    """The diff judged on a day: the rotation window counts from it."""

    def run(text: str, state: ClientState, today: date) -> tuple[Change, ...]:
        spec = declare(text)
        resolution = resolve_client(spec, state.contracts, catalog)
        return diff_client(spec, resolution, state, catalog, {}, today)

    return run


ANNA_KEY = """
    users: [{anna}]
    api_keys: [{{name: erp-payroll, user: anna.muster{extra}}}]
"""


def anna_key(extra: str = "") -> str:
    return ANNA_KEY.format(anna=ANNA, extra=extra)


def rotation(change: Change) -> Note | None:
    return next((n for n in change.notes if n.kind is NoteKind.KEY_ROTATION), None)


@pytest.mark.parametrize(
    ("today", "rotated"),
    [(date(2027, 1, 29), False), (date(2027, 1, 30), True), (date(2027, 3, 2), True)],
)
def test_a_key_within_30_days_of_expiry_is_rotated(diff_on, today, rotated):
    """The key expires on 2027-03-01: 31 days before, kept; 30 days before and after, rotated."""
    state = bank(ANNA_BANK, api_keys=(key_state("erp-payroll", "anna.muster"),))
    changes = diff_on(anna_key(), state, today)
    if not rotated:
        assert changes == ()
        return
    (change,) = changes
    assert (change.action, change.after) == (Action.REPLACE, {"user": "anna.muster"})
    assert rotation(change).data == {
        "reason": "expiry",
        "expires": "2027-03-01",
        "rotate_before_days": 30,
    }


def test_the_catalogs_rotate_before_days_sets_the_window(diff_on, declare, catalog):
    state = bank(ANNA_BANK, api_keys=(key_state("erp-payroll", "anna.muster"),))
    spec = declare(anna_key())
    narrow = replace(catalog, rotate_before_days=10)
    resolution = resolve_client(spec, state.contracts, narrow)
    assert diff_client(spec, resolution, state, narrow, {}, date(2027, 2, 18)) == ()
    assert diff_client(spec, resolution, state, narrow, {}, date(2027, 2, 19)) != ()


def test_a_held_profile_the_catalog_no_longer_ranks_is_neither_raise_nor_lowering(declare, catalog):
    """A custom catalog that dropped `capture` from its ladder: going from it, in either
    direction, is unranked (which four eyes then treats as a raise)."""
    ladder = replace(catalog, profiles=tuple(p for p in catalog.profiles if p != "capture"))
    held = user_state("anna.muster", "collective", **{CHF: "capture", EBILL: "capture"})
    spec = declare(
        "users: [{id: anna.muster, name: Anna Muster, email: anna.muster@example.ch, admin:"
        " collective, authorizations: {single: [{contract: CH5604835012345678009, profile:"
        " sign_individual}, {contract: EB-10432210-1, profile: read}]}}]"
    )
    resolution = resolve_client(spec, CONTRACTS, ladder)
    changes = diff_client(spec, resolution, bank(held), ladder, {})
    assert [(c.address, c.notes) for c in changes] == [
        (
            f"{C}/users/anna.muster/authorizations/{CHF}",
            (direction(NoteKind.UNRANKED, "capture", "sign_individual"),),
        ),
        (
            f"{C}/users/anna.muster/authorizations/{EBILL}",
            (direction(NoteKind.UNRANKED, "capture", "read"),),
        ),
    ]


def test_rotate_true_rotates_once_and_an_inactive_key_is_replaced(diff_on):
    today = date(2026, 6, 1)
    held = key_state("erp-payroll", "anna.muster")
    (declared,) = diff_on(anna_key(", rotate: true"), bank(ANNA_BANK, api_keys=(held,)), today)
    assert rotation(declared) == Note(
        NoteKind.KEY_ROTATION,
        "declared rotate: true: a new key is issued and activated, then the old one revoked "
        "(remove rotate: true once applied)",
        {"reason": "declared"},
    )
    fresh = replace(held, created=today, expires=date(2028, 6, 1))
    assert diff_on(anna_key(", rotate: true"), bank(ANNA_BANK, api_keys=(fresh,)), today) == ()
    inactive = replace(held, state=KeyState.INACTIVE)
    (left,) = diff_on(anna_key(), bank(ANNA_BANK, api_keys=(inactive,)), today)
    assert left.before == {
        "user": "anna.muster",
        "fingerprint": FINGERPRINT,
        "expires": "2027-03-01",
        "state": "inactive",
    }
    assert rotation(left) == Note(
        NoteKind.KEY_ROTATION,
        "the bank holds this key inactive: an apply stopped before its secret reached the sink; "
        "it is revoked and a new key issued",
        {"reason": "inactive"},
    )


def test_of_several_keys_of_one_name_the_newest_active_one_counts_else_the_newest(diff_on):
    """An apply that died between issuing a key and activating it leaves an inactive key beside
    the active one (activation revokes the others, so there is never a second active key)."""
    today = date(2026, 6, 1)
    held = key_state("erp-payroll", "anna.muster")
    died = replace(
        held,
        fingerprint="sha256:" + "cd" * 32,
        created=date(2026, 5, 20),
        expires=date(2028, 5, 20),
        state=KeyState.INACTIVE,
    )
    assert diff_on(anna_key(), bank(ANNA_BANK, api_keys=(died, held)), today) == ()
    older = replace(died, fingerprint="sha256:" + "ef" * 32, created=date(2026, 5, 1))
    (left,) = diff_on(anna_key(), bank(ANNA_BANK, api_keys=(died, older)), today)
    assert (left.action, left.before["fingerprint"]) == (Action.REPLACE, died.fingerprint)


def test_a_deleted_users_keys_are_revoked_with_them(diff_on):
    bruno = user_state("bruno.keller", **{BILLING: "sign_individual"})
    state = bank(ANNA_BANK, bruno, api_keys=(key_state("erp-old", "bruno.keller"),))
    changes = diff_on(f"users: [{ANNA}]", state, date(2026, 6, 1))
    (key,) = [c for c in changes if c.resource is Resource.API_KEY]
    assert (key.action, key.notes) == (
        Action.DELETE,
        (
            Note(
                NoteKind.KEY_REVOKED,
                "revoked with its user bruno.keller, whom this plan deletes",
                {"user": "bruno.keller", "with_user": True},
            ),
        ),
    )
    assert changes[0].address == f"{C}/users/bruno.keller"


# --- drift ------------------------------------------------------------------------------------


def test_a_right_the_bank_changed_since_the_last_apply_is_drift(diff):
    moved = replace(ANNA_BANK, authorizations={CHF: "read", EBILL: "capture"})
    applied = {f"{C}/users/anna.muster/authorizations/{CHF}": {"profile": "sign_collective"}}
    assert diff(f"users: [{ANNA}]", bank(moved), applied) == (
        right(
            "anna.muster",
            CHF,
            Action.UPDATE,
            "read",
            "sign_collective",
            direction(NoteKind.RAISE, "read", "sign_collective"),
            drift(
                "the bank has profile read, the last applied plan set profile sign_collective",
                {"profile": "read"},
                {"profile": "sign_collective"},
            ),
            drift=True,
        ),
    )


def test_a_change_that_only_continues_the_last_apply_is_no_drift(diff):
    applied = {f"{C}/users/anna.muster/authorizations/{CHF}": {"profile": "read"}}
    moved = replace(ANNA_BANK, authorizations={CHF: "read", EBILL: "capture"})
    [change] = diff(f"users: [{ANNA}]", bank(moved), applied)
    assert (change.drift, change.notes) == (
        False,
        (direction(NoteKind.RAISE, "read", "sign_collective"),),
    )


def test_what_the_bank_removed_after_the_last_apply_is_drift(diff):
    moved = replace(ANNA_BANK, authorizations={CHF: "sign_collective"})
    applied = {f"{C}/users/anna.muster/authorizations/{EBILL}": {"profile": "capture"}}
    assert diff(f"users: [{ANNA}]", bank(moved), applied) == (
        right(
            "anna.muster",
            EBILL,
            Action.CREATE,
            None,
            "capture",
            drift(
                "the bank has nothing there, the last applied plan set profile capture",
                None,
                {"profile": "capture"},
            ),
            drift=True,
        ),
    )


def test_what_the_bank_has_again_after_the_last_apply_deleted_it_is_drift(diff):
    held = replace(ANNA_BANK, authorizations={**ANNA_BANK.authorizations, CARDS: "read"})
    applied = {f"{C}/users/anna.muster/authorizations/{CARDS}": None}
    assert diff(f"users: [{ANNA}]", bank(held), applied) == (
        right(
            "anna.muster",
            CARDS,
            Action.DELETE,
            "read",
            None,
            drift(
                "the bank has profile read, the last applied plan deleted it",
                {"profile": "read"},
                None,
            ),
            drift=True,
        ),
    )


def test_only_the_fields_the_last_apply_set_are_compared(diff):
    moved = replace(ANNA_BANK, email="a.muster@example.ch", github="anna-m")
    applied = {f"{C}/users/anna.muster": {"email": "anna.muster@example.ch"}}
    [change] = diff(f"users: [{ANNA}]", bank(moved), applied)
    assert change.drift
    assert change.notes == (
        Note(NoteKind.FIELDS, "changed email, github", {"fields": ["email", "github"]}),
        drift(
            "the bank has email a.muster@example.ch, the last applied plan set email "
            "anna.muster@example.ch",
            {"email": "a.muster@example.ch"},
            {"email": "anna.muster@example.ch"},
        ),
    )


def test_two_drifted_fields_are_named_together_and_a_missing_one_as_no_field(diff):
    moved = replace(ANNA_BANK, email="a.muster@example.ch")
    applied = {f"{C}/users/anna.muster": {"email": "anna.muster@example.ch", "github": "anna-m"}}
    [change] = diff(f"users: [{ANNA}]", bank(moved), applied)
    assert change.notes[-1] == drift(
        "the bank has email a.muster@example.ch and no github, the last applied plan set "
        "email anna.muster@example.ch and github anna-m",
        {"email": "a.muster@example.ch", "github": None},
        {"email": "anna.muster@example.ch", "github": "anna-m"},
    )


def test_the_banks_automatic_iso_change_shows_as_drift(diff):
    switched = replace(D77, iso_version="2019")
    applied = {f"{C}/deliveries/D-77": {"iso_version": "2009"}}
    text = f"""
    deliveries: {{overrides: [{{delivery: D-77, iso_version: "2009"}}]}}
    users: [{ANNA}]
    """
    assert diff(text, bank(ANNA_BANK, deliveries=(switched,)), applied) == (
        delivery(
            switched,
            "2009",
            PAIRS_2009,
            drift(
                "the bank has iso_version 2019, the last applied plan set iso_version 2009",
                {"iso_version": "2019"},
                {"iso_version": "2009"},
            ),
            drift=True,
        ),
    )


def test_a_delivery_the_bank_switched_on_record_is_labelled_not_drift(diff):
    """A switch the bank recorded (switched_on) is its automatic ISO version change: a plan
    that still asks for 2009 (planned as of a day in the parallel phase) says what the bank
    did, and it is no drift even though the last applied plan set 2009."""
    switched = replace(
        D77, iso_version="2019", switched_on=date(2026, 11, 22), switched_from="2009"
    )
    applied = {f"{C}/deliveries/D-77": {"iso_version": "2009"}}
    text = f"""
    deliveries: {{overrides: [{{delivery: D-77, iso_version: "2009"}}]}}
    users: [{ANNA}]
    """
    automatic = Note(
        NoteKind.AUTOMATIC_ISO_CHANGE,
        "the bank switched it from ISO 2009 to 2019 on 2026-11-22, after the parallel phase",
        {
            "on": "2026-11-22",
            "iso_version": "2019",
            "deliveries": [{"delivery": "D-77", "kind": "camt.053", "from": "2009"}],
        },
    )
    assert diff(text, bank(ANNA_BANK, deliveries=(switched,)), applied) == (
        delivery(switched, "2009", PAIRS_2009, automatic),
    )


# --- order and size ---------------------------------------------------------------------------


def test_changes_come_in_plan_order(diff):
    state = bank(
        user_state("zeno.zahn", **{CHF: "read"}),
        ANNA_BANK,
        user_state("berta.bolt"),
        deliveries=(D80, D77),
        api_keys=(key_state("b-key", "anna.muster"), key_state("a-key", "anna.muster")),
    )
    text = f"""
    deliveries: {{iso_version: "2019"}}
    users:
      - {{id: xaver.x, name: X, authorizations: {{all: {{ebill: read, account: read}}}}}}
      - {ANNA}
    """
    assert [(c.action.value, c.address.removeprefix(f"{C}/")) for c in diff(text, state)] == [
        ("create", "users/xaver.x"),
        ("create", f"users/xaver.x/authorizations/{CHF}"),
        ("create", f"users/xaver.x/authorizations/{RENT}"),
        ("create", f"users/xaver.x/authorizations/{EBILL}"),
        ("delete", "users/berta.bolt"),
        ("delete", "users/zeno.zahn"),
        ("delete", f"users/zeno.zahn/authorizations/{CHF}"),
        ("update", "deliveries/D-77"),
        ("update", "deliveries/D-80"),
        ("delete", "api_keys/a-key"),
        ("delete", "api_keys/b-key"),
    ]


def test_a_large_relationship_gives_each_change_exactly_once(catalog):
    """2,000 users x 20 contracts: half new, half with every right changed, plus leavers.

    How fast it is diffed is measured in bench/plan_bench.py, not here.
    """
    contracts = tuple(Contract(f"CH{i:02}", "account", f"Konto {i}") for i in range(20))
    grants = Grants(all={"account": "capture"})
    spec = ClientSpec(
        C,
        "Gross AG",
        "de",
        users=tuple(UserSpec(f"u{i:04}", f"User {i}", grants=grants) for i in range(2000)),
    )
    held = {c.id: "read" for c in contracts}
    bank_users = tuple(
        UserState(f"u{i:04}", f"User {i}", None, "de", None, "none", held)
        for i in range(1000, 2300)
    )
    state = ClientState(C, "Gross AG", "de", 1, contracts=contracts, users=bank_users)
    resolution = resolve_client(spec, contracts, catalog)

    changes = diff_client(spec, resolution, state, catalog, {})

    assert len({c.address for c in changes}) == len(changes)
    counts = {action: sum(c.action is action for c in changes) for action in Action}
    assert counts == {
        Action.CREATE: 1000 * 21,  # 1,000 new users, each with 20 rights
        Action.UPDATE: 1000 * 20,  # 1,000 users held read, now capture
        Action.DELETE: 300 * 21,  # 300 leavers, each with 20 rights
        Action.REPLACE: 0,
        Action.MANUAL: 0,
    }


def test_every_address_parses_back_to_its_resource(diff):
    state = bank(
        ANNA_BANK,
        user_state("zeno.zahn", "individual", **{CHF: "read"}),
        deliveries=(D77,),
        api_keys=(key_state("a-key", "anna.muster"),),
    )
    text = f"""
    deliveries: {{iso_version: "2019"}}
    users:
      - {ANNA}
      - {{id: xaver.x, name: X, admin: collective, authorizations: {{all: {{'*': read}}}},
          signing_key: "{KEY}"}}
    """
    changes = diff(text, state)
    assert {c.resource for c in changes} == set(Resource)
    for change in changes:
        address = Address.parse(change.address)
        assert (address.client, address.resource) == (C, change.resource)
        assert str(address) == change.address


# --- signing keys: the bank's key is the one approvals verify against -----------------------

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBbNT64y15ZNu3/CWY/inYvkCE8Z0zxjBTph20iw2ak anna"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfMVXPcGdv5XOIgXFUko8UMijZD0PtGsRrS+xST2HVt x"


def key_change(action: Action, before: str | None, after: str | None) -> Change:
    return Change(
        f"{C}/users/anna.muster/signing_key",
        action,
        Resource.SIGNING_KEY,
        None if before is None else {"public_key": before},
        None if after is None else {"public_key": after},
    )


def anna_with_key(key: str | None) -> str:
    return ANNA if key is None else ANNA[:-1] + f', signing_key: "{key}"}}'


@pytest.mark.parametrize(
    ("held", "declared", "expected"),
    [
        (None, KEY, [key_change(Action.CREATE, None, KEY)]),
        (KEY, OTHER_KEY, [key_change(Action.UPDATE, KEY, OTHER_KEY)]),
        (KEY, None, [key_change(Action.DELETE, KEY, None)]),
        (KEY, KEY, []),
        (None, None, []),
    ],
    ids=["declared", "replaced", "removed", "same", "none"],
)
def test_a_declared_signing_key_is_a_change_of_its_own(diff, held, declared, expected):
    state = bank(replace(ANNA_BANK, signing_key=held))

    changes = diff(f"users:\n  - {anna_with_key(declared)}\n", state)

    assert list(changes) == expected


def test_a_new_user_with_a_key_gets_it_after_the_user_record(diff):
    changes = diff(f"users:\n  - {anna_with_key(KEY)}\n", bank())

    assert [(c.resource, c.action) for c in changes] == [
        (Resource.USER, Action.CREATE),
        (Resource.ADMIN_RIGHT, Action.MANUAL),
        (Resource.SIGNING_KEY, Action.CREATE),
        (Resource.AUTHORIZATION, Action.CREATE),
        (Resource.AUTHORIZATION, Action.CREATE),
    ]

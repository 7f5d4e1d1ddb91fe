"""The sandbox bank's write side on both engines: orders, four eyes, atomicity, audit chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from four_eyes_cases import REVIEWER, SECOND

from efctl.sandbox import open_store
from efctl.sandbox.errors import OrderRefused, SandboxError, StaleOrderError
from reconcile.audit import (
    AuditEntry,
    ChainBreak,
    chained_entry,
    stored_changes_digest,
    verify_chain,
    verify_orders,
)
from reconcile.backend import Order, OrderOutcome, OrderStatus, PendingOrder
from reconcile.model import ClientState, UserState
from reconcile.plan import Action, Change, Resource

# Both engines: the store itself.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

SEED = Path(__file__).parent / "seeds" / "orders"
A, B = "10000001", "10000002"
ACCOUNT, RENT, EBILL = "CH5604835012345678009", "CH9300762011623852957", "EB-10000001-1"
NOON = datetime(2025, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
AT = "2025-05-01T12:00:00+00:00"


@pytest.fixture
def store(store_url):
    with open_store(store_url, create=True, clock=lambda: NOON) as s:
        s.init(SEED)
        yield s


def right(user, contract, action, profile=None, client=A) -> Change:
    return Change(
        f"{client}/users/{user}/authorizations/{contract}",
        Action(action),
        Resource.AUTHORIZATION,
        None,
        None if profile is None else {"profile": profile},
    )


def person(user, action, after=None, client=A) -> Change:
    return Change(f"{client}/users/{user}", Action(action), Resource.USER, None, after)


def iso(delivery, version, client=A) -> Change:
    return Change(
        f"{client}/deliveries/{delivery}",
        Action.UPDATE,
        Resource.DELIVERY,
        {"iso_version": "2009"},
        {"iso_version": version},
    )


DORA = {"name": "Dora Meier", "email": "dora@example.ch", "language": "fr", "github": "dora-m"}


def order(
    *changes, maker="anna.muster", checkers=("carla.rossi",), base=41, plan="sha256:p1", client=A
):
    return Order(client, base, plan, "c0ffee", maker, tuple(checkers), tuple(changes))


def user_of(state: ClientState, user_id: str) -> UserState:
    return next(u for u in state.users if u.id == user_id)


def with_user(state: ClientState, user: UserState | None, *, drop: str | None = None, serial=None):
    """The state with ``user`` put in (by id) or the user ``drop`` taken out."""
    users = {u.id: u for u in state.users}
    if user is not None:
        users[user.id] = user
    users.pop(drop, None)
    return replace(
        state,
        users=tuple(users[k] for k in sorted(users)),
        serial=state.serial if serial is None else serial,
    )


def order_rows(store, client=A) -> list[tuple]:
    return store.database.query(
        "SELECT id, status, maker, checkers, base_serial, serial_after, reason FROM orders"
        " WHERE client_id = ? ORDER BY id",
        (client,),
    )


# --- execution ------------------------------------------------------------------------------


def test_an_authorised_order_changes_exactly_its_rows_and_bumps_the_serial(store):
    before = store.read_client(A)
    outcome = store.submit_order(
        order(
            person("egon.huber", "delete"),
            right("bruno.keller", RENT, "delete"),
            iso("D-77", "2019"),
            right("bruno.keller", ACCOUNT, "update", "capture"),
            right("dora.meier", ACCOUNT, "create", "read"),
            person("dora.meier", "create", DORA),
            person("bruno.keller", "update", {"email": "bruno@example.ch", "language": "it"}),
        )
    )
    assert outcome == OrderOutcome("10000001-2", A, OrderStatus.EXECUTED, 42)
    bruno = user_of(before, "bruno.keller")
    expected = with_user(
        with_user(
            before,
            replace(
                bruno,
                email="bruno@example.ch",
                language="it",
                authorizations={ACCOUNT: "capture"},
            ),
            drop="egon.huber",
        ),
        UserState(
            "dora.meier", "Dora Meier", "dora@example.ch", "fr", "dora-m", "none", {ACCOUNT: "read"}
        ),
        serial=42,
    )
    expected = replace(
        expected,
        deliveries=(replace(before.deliveries[0], iso_version="2019"), before.deliveries[1]),
    )
    assert store.read_client(A) == expected
    assert store.read_client(B).serial == 1
    assert order_rows(store) == [
        ("10000001-2", "executed", "anna.muster", '["carla.rossi"]', 41, 42, None),
        ("WEB-1", "pending", "anna.muster", "[]", 41, None, None),
    ]


def test_a_stale_order_is_refused_and_writes_nothing(store):
    before = store.read_client(A)
    with pytest.raises(StaleOrderError) as caught:
        store.submit_order(order(iso("D-77", "2019"), base=40))
    assert caught.value.message == (
        "relationship 10000001 changed at the bank: the order is based on serial 40, "
        "the bank is at serial 41"
    )
    assert caught.value.hint == "run `efctl plan` again, review the new plan and apply that one"
    assert (caught.value.client, caught.value.expected_serial, caught.value.actual_serial) == (
        A,
        40,
        41,
    )
    assert store.read_client(A) == before
    assert [row[0] for row in order_rows(store)] == ["WEB-1"]
    assert store.audit_entries() == []


# --- the bank's own four-eyes check --------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "checkers", "recorded", "missing"),
    [
        (
            "anna.muster",
            (),
            (),
            f"{REVIEWER} and {SECOND}",
        ),
        (
            "anna.muster",
            ("anna.muster",),
            (),
            f"{REVIEWER} and {SECOND}",
        ),
        (
            "anna.muster",
            ("bruno.keller", "github:reviewer"),
            ("bruno.keller", "github:reviewer"),
            "one individual admin or a second collective admin",
        ),
        (
            "bruno.keller",
            ("egon.huber",),
            ("egon.huber",),
            "one individual admin or two collective admins",
        ),
        ("urs.baertschi", (), (), "a reviewer who is not the author"),
        ("urs.baertschi", ("urs.baertschi",), (), "a reviewer who is not the author"),
    ],
)
def test_an_order_the_rule_does_not_authorise_waits_pending(
    store, maker, checkers, recorded, missing
):
    before = store.read_client(A)
    change = iso("D-77", "2019")
    outcome = store.submit_order(order(change, maker=maker, checkers=checkers))
    assert outcome == OrderOutcome("10000001-2", A, OrderStatus.PENDING, 41, missing)
    assert store.read_client(A) == before
    assert store.audit_entries() == []
    pending = store.pending_orders(A)
    assert pending[1] == PendingOrder(
        "10000001-2", AT, Order(A, 41, "sha256:p1", "c0ffee", maker, recorded, (change,))
    )


@pytest.mark.parametrize(
    ("maker", "checkers"),
    [
        ("anna.muster", ("carla.rossi",)),  # two collective admins
        ("carla.rossi", ("anna.muster", "anna.muster")),  # counted once each
        ("urs.baertschi", ("github:reviewer",)),  # one individual admin and a second person
        ("bruno.keller", ("urs.baertschi",)),
        ("github:author", ("anna.muster", "carla.rossi")),
    ],
)
def test_one_individual_or_two_collective_admins_and_a_checker_execute(store, maker, checkers):
    outcome = store.submit_order(order(iso("D-77", "2019"), maker=maker, checkers=checkers))
    assert outcome == OrderOutcome("10000001-2", A, OrderStatus.EXECUTED, 42)
    assert store.read_client(A).deliveries[0].iso_version == "2019"
    assert [e.checkers for e in store.audit_entries()] == [tuple(dict.fromkeys(checkers))]


def test_approve_by_the_maker_is_refused(store):
    store.submit_order(order(iso("D-77", "2019"), checkers=()))
    with pytest.raises(OrderRefused) as caught:
        store.approve_order("10000001-2", "anna.muster")
    assert caught.value.message == "'anna.muster' made order 10000001-2 and cannot also check it"
    assert caught.value.hint == "four eyes: another admin of the relationship authorises it"
    assert [o.id for o in store.pending_orders(A)] == ["WEB-1", "10000001-2"]


def test_approve_by_a_second_admin_executes(store):
    store.submit_order(order(iso("D-77", "2019"), checkers=()))
    outcome = store.approve_order("10000001-2", "carla.rossi")
    assert outcome == OrderOutcome("10000001-2", A, OrderStatus.EXECUTED, 42)
    state = store.read_client(A)
    assert (state.serial, state.deliveries[0].iso_version) == (42, "2019")
    assert [o.id for o in store.pending_orders()] == ["WEB-1"]
    (entry,) = store.audit_entries()
    assert (entry.maker, entry.checkers, entry.plan_id, entry.commit) == (
        "anna.muster",
        ("carla.rossi",),
        "sha256:p1",
        "c0ffee",
    )
    assert order_rows(store)[0] == (
        "10000001-2",
        "executed",
        "anna.muster",
        '["carla.rossi"]',
        41,
        42,
        None,
    )


def test_approvals_accumulate_until_the_rule_holds(store):
    store.submit_order(order(iso("D-77", "2019"), maker="bruno.keller", checkers=()))
    assert store.approve_order("10000001-2", "anna.muster") == OrderOutcome(
        "10000001-2",
        A,
        OrderStatus.PENDING,
        41,
        "one individual admin or a second collective admin",
    )
    assert store.pending_orders(A)[1].order.checkers == ("anna.muster",)
    with pytest.raises(OrderRefused) as caught:
        store.approve_order("10000001-2", "anna.muster")
    assert caught.value.message == "'anna.muster' has already authorised order 10000001-2"
    assert store.approve_order("10000001-2", "carla.rossi").status is OrderStatus.EXECUTED
    with pytest.raises(OrderRefused) as caught:
        store.approve_order("10000001-2", "urs.baertschi")
    assert caught.value.message == "order 10000001-2 is executed, not pending"


@pytest.mark.parametrize(
    ("order_id", "user", "message"),
    [
        ("10000001-9", "carla.rossi", "there is no order 10000001-9 at the bank"),
        ("WEB-1", "gisele.favre", "'gisele.favre' is no user of relationship 10000001"),
        ("WEB-1", "github:anna-m", "'github:anna-m' is no user of relationship 10000001"),
        (
            "WEB-1",
            "egon.huber",
            "'egon.huber' holds no Admin right in relationship 10000001; only admins authorise"
            " orders",
        ),
    ],
)
def test_approve_refuses_unknown_orders_and_people(store, order_id, user, message):
    with pytest.raises(OrderRefused) as caught:
        store.approve_order(order_id, user)
    assert caught.value.message == message
    assert store.pending_orders(A)[0].order.checkers == ()


def test_a_stale_approval_rejects_the_order_for_good(store):
    store.submit_order(order(iso("D-77", "2019"), checkers=()))
    store.submit_order(
        order(right("bruno.keller", RENT, "delete"), plan="sha256:p2", maker="urs.baertschi")
    )
    after_second = store.read_client(A)
    with pytest.raises(StaleOrderError) as caught:
        store.approve_order("10000001-2", "carla.rossi")
    assert caught.value.message == (
        "relationship 10000001 changed at the bank: the order is based on serial 41, "
        "the bank is at serial 42"
    )
    assert (
        caught.value.hint
        == "order 10000001-2 is rejected; order the change again from a fresh plan"
    )
    assert order_rows(store)[0] == (
        "10000001-2",
        "rejected",
        "anna.muster",
        '["carla.rossi"]',
        41,
        None,
        caught.value.message,
    )
    assert store.read_client(A) == after_second
    assert [o.id for o in store.pending_orders(A)] == ["WEB-1"]
    with pytest.raises(OrderRefused) as refused:
        store.approve_order("10000001-2", "urs.baertschi")
    assert refused.value.message == "order 10000001-2 is rejected, not pending"


def test_a_seeded_web_ui_order_waits_and_executes_once_authorised(store):
    (web,) = [o for o in store.pending_orders() if o.id == "WEB-1"]
    assert web == PendingOrder(
        "WEB-1",
        "2025-04-30T14:45:00+00:00",
        Order(
            A, 41, None, None, "anna.muster", (), (right("bruno.keller", EBILL, "create", "read"),)
        ),
    )
    assert store.status().clients[0].pending_orders == 1
    assert store.approve_order("WEB-1", "urs.baertschi") == OrderOutcome(
        "WEB-1", A, OrderStatus.EXECUTED, 42
    )
    assert user_of(store.read_client(A), "bruno.keller").authorizations[EBILL] == "read"
    (entry,) = store.audit_entries()
    assert (entry.plan_id, entry.commit, entry.maker, entry.checkers) == (
        None,
        None,
        "anna.muster",
        ("urs.baertschi",),
    )


# --- what the bank refuses to take ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        (
            [
                Change(
                    f"{A}/users/anna.muster/admin",
                    Action.MANUAL,
                    Resource.ADMIN_RIGHT,
                    {"admin": "collective"},
                    {"admin": "individual"},
                ),
                Change(
                    f"{A}/api_keys/erp",
                    Action.CREATE,
                    Resource.API_KEY,
                    None,
                    {"user": "bruno.keller"},
                ),
                Change(
                    f"{A}/users/anna.muster/admin",
                    Action.UPDATE,
                    Resource.ADMIN_RIGHT,
                    None,
                    {"admin": "individual"},
                ),
                Change(
                    f"{A}/deliveries/D-77",
                    Action.MANUAL,
                    Resource.DELIVERY,
                    None,
                    {"channel": "post"},
                ),
            ],
            [
                f"change 1 ({A}/users/anna.muster/admin): it is manual: the bank takes it only"
                " on paper or through the client advisor",
                f"change 2 ({A}/api_keys/erp): API keys are requested one by one, never in an"
                " order",
                f"change 3 ({A}/users/anna.muster/admin): the Admin right is changed only on"
                " the signed paper form",
                f"change 3 ({A}/users/anna.muster/admin): its address appears earlier in the order",
                f"change 4 ({A}/deliveries/D-77): it is manual: the bank takes it only on paper"
                " or through the client advisor",
            ],
        ),
        (
            [
                iso("D-77", "2019", client=B),
                Change(f"{A}/users/x/y", Action.UPDATE, Resource.USER, None, {"name": "X"}),
                Change(f"{A}/users/x", Action.UPDATE, Resource.AUTHORIZATION, None, {}),
                Change(
                    f"{A}/deliveries/D-77",
                    Action.CREATE,
                    Resource.DELIVERY,
                    None,
                    {"iso_version": "2019"},
                ),
            ],
            [
                f"change 1 ({B}/deliveries/D-77): it is of relationship {B}, not of {A}",
                f"change 2 ({A}/users/x/y): it is not an efctl address",
                f"change 3 ({A}/users/x): its address is of resource user, the change of"
                " authorization",
                f"change 4 ({A}/deliveries/D-77): the bank does not take a 'create' of a delivery",
            ],
        ),
        (
            [
                person("dora.meier", "create", {"name": "", "admin": "none", "email": 7}),
                person("bruno.keller", "update", {}),
                person("egon.huber", "update", {"language": "rm"}),
                right("bruno.keller", EBILL, "create", "none"),
                right("bruno.keller", ACCOUNT, "update"),
                Change(
                    f"{A}/deliveries/D-77",
                    Action.UPDATE,
                    Resource.DELIVERY,
                    None,
                    {"iso_version": "2019", "channel": "post"},
                ),
            ],
            [
                f"change 1 ({A}/users/dora.meier): `after` has admin; a user has name, email,"
                " language, github",
                f"change 1 ({A}/users/dora.meier): `after` lacks language",
                f"change 1 ({A}/users/dora.meier): `after.name` must be a non-empty text",
                f"change 1 ({A}/users/dora.meier): `after.email` must be a text or null",
                f"change 2 ({A}/users/bruno.keller): `after` must be a mapping of name, email,"
                " language, github",
                f"change 3 ({A}/users/egon.huber): `after.language` is 'rm', not one of de, fr,"
                " it, en",
                f"change 4 ({A}/users/bruno.keller/authorizations/{EBILL}): `after` must be"
                " {profile: <a profile other than 'none'>}",
                f"change 5 ({A}/users/bruno.keller/authorizations/{ACCOUNT}): `after` must be"
                " {profile: <a profile other than 'none'>}",
                f"change 6 ({A}/deliveries/D-77): `after` must be {{iso_version: <an ISO"
                " version>}",
            ],
        ),
        (
            [
                person("anna.muster", "create", DORA),
                right("dora.meier", ACCOUNT, "create", "read"),
                right("bruno.keller", "CH000", "create", "read"),
                right("bruno.keller", ACCOUNT, "create", "read"),
                right("anna.muster", RENT, "update", "read"),
                iso("D-78", "2019"),
                iso("D-79", "2019"),
                person("zoe.weber", "delete"),
                right("egon.huber", EBILL, "update", "read"),
                person("egon.huber", "delete"),
            ],
            [
                f"change 1 ({A}/users/anna.muster) does not apply: user 'anna.muster' already"
                " exists",
                f"change 2 ({A}/users/dora.meier/authorizations/{ACCOUNT}) does not apply: there"
                " is no user 'dora.meier'",
                f"change 3 ({A}/users/bruno.keller/authorizations/CH000) does not apply: there is"
                " no contract 'CH000'",
                f"change 4 ({A}/users/bruno.keller/authorizations/{ACCOUNT}) does not apply: user"
                f" 'bruno.keller' already holds a right on '{ACCOUNT}'",
                f"change 5 ({A}/users/anna.muster/authorizations/{RENT}) does not apply: user"
                f" 'anna.muster' holds no right on '{RENT}'",
                f"change 6 ({A}/deliveries/D-78) does not apply: there is no delivery 'D-78'",
                f"change 7 ({A}/deliveries/D-79) does not apply: delivery 'D-79' is a PDF"
                " document without ISO version",
                f"change 8 ({A}/users/zoe.weber) does not apply: there is no user 'zoe.weber'",
            ],
        ),
    ],
)
def test_the_bank_refuses_what_it_cannot_take_and_writes_nothing(store, changes, problems):
    before = store.read_client(A)
    with pytest.raises(OrderRefused) as caught:
        store.submit_order(order(*changes))
    assert caught.value.message.splitlines() == [
        f"the bank refuses the order for relationship {A}:",
        *(f"  {p}" for p in problems),
    ]
    assert store.read_client(A) == before
    assert [row[0] for row in order_rows(store)] == ["WEB-1"]


@pytest.mark.parametrize(
    ("submitted", "message", "hint"),
    [
        (order(), "the order for relationship 10000001 has no changes", None),
        (
            order(iso("D-77", "2019"), client="99999999"),
            "the bank refuses the order for relationship 99999999:\n"
            f"  change 1 ({A}/deliveries/D-77): it is of relationship {A}, not of 99999999",
            "manual changes, Admin rights and API keys are not part of an order",
        ),
        (
            order(iso("D-77", "2019", client="99999999"), client="99999999"),
            "there is no client relationship 99999999 at the bank",
            None,
        ),
        (
            order(iso("D-77", "2019"), maker="anna-m", checkers=("zoe", "carla.rossi", "zoe")),
            "'anna-m', 'zoe' are no user of relationship 10000001",
            "name people who are no user there as github:<login>",
        ),
    ],
)
def test_orders_without_changes_client_or_known_people_are_refused(store, submitted, message, hint):
    with pytest.raises(OrderRefused) as caught:
        store.submit_order(submitted)
    assert (caught.value.message, caught.value.hint) == (message, hint)
    assert store.read_client(A).serial == 41


# --- atomicity ------------------------------------------------------------------------------

SQLITE_TRIGGER = [
    f"""CREATE TRIGGER refuse_one BEFORE INSERT ON authorizations
    WHEN NEW.contract_id = '{EBILL}'
    BEGIN SELECT RAISE(ABORT, 'injected failure'); END"""
]
POSTGRES_TRIGGER = [
    f"""CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.contract_id = '{EBILL}' THEN RAISE EXCEPTION 'injected failure'; END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER refuse_one BEFORE INSERT ON authorizations
    FOR EACH ROW EXECUTE FUNCTION refuse_one()""",
]


def test_a_failure_inside_an_order_leaves_the_relationship_exactly_as_before(store):
    trigger = SQLITE_TRIGGER if store.database.dialect.name == "sqlite" else POSTGRES_TRIGGER
    for statement in trigger:
        store.database.execute(statement)
    before = store.read_client(A)
    failing = order(
        iso("D-77", "2019"),
        person("dora.meier", "create", DORA),
        right("dora.meier", ACCOUNT, "create", "read"),
        right("dora.meier", EBILL, "create", "capture"),
        right("bruno.keller", RENT, "delete"),
    )
    with pytest.raises(SandboxError) as caught:
        store.submit_order(failing)
    assert caught.value.message == (
        f"the sandbox bank at {store.url} failed: injected failure (at change 4"
        f" ({A}/users/dora.meier/authorizations/{EBILL}) of the order for relationship {A};"
        " nothing of the order was executed)"
    )
    assert store.read_client(A) == before
    assert [row[0] for row in order_rows(store)] == ["WEB-1"]
    assert store.audit_entries() == []

    other = order(
        right("marc.dubois", "EB-10000002-1", "create", "read", client=B),
        client=B,
        base=1,
        maker="gisele.favre",
        checkers=("github:reviewer",),
    )
    assert store.submit_order(other) == OrderOutcome("10000002-1", B, OrderStatus.EXECUTED, 2)
    assert user_of(store.read_client(B), "marc.dubois").authorizations == {"EB-10000002-1": "read"}
    assert [e.client for e in store.audit_entries()] == [B]


# --- double apply, last applied values -----------------------------------------------------


def test_a_plan_applies_once(store):
    outcome = store.submit_order(order(iso("D-77", "2019")))
    assert store.applied_plan(A, "sha256:p1") == outcome.order_id == "10000001-2"
    assert store.applied_plan(B, "sha256:p1") is None
    assert store.applied_plan(A, "sha256:p2") is None
    with pytest.raises(OrderRefused) as caught:
        store.submit_order(order(iso("D-77", "2009"), base=42))
    assert caught.value.message == (
        "plan sha256:p1 is already at the bank for relationship 10000001 as executed order"
        " 10000001-2"
    )


def test_a_pending_plan_is_not_submitted_twice(store):
    store.submit_order(order(iso("D-77", "2019"), checkers=()))
    assert store.applied_plan(A, "sha256:p1") is None
    with pytest.raises(OrderRefused) as caught:
        store.submit_order(order(iso("D-77", "2019")))
    assert caught.value.message == (
        "plan sha256:p1 is already at the bank for relationship 10000001 as pending order"
        " 10000001-2"
    )
    assert caught.value.hint == (
        "a further admin authorises it: `efctl orders approve 10000001-2 --as USER`"
    )


def test_last_applied_values_fold_the_executed_orders_in_one_query(store):
    assert store.last_applied_values(A) == {}
    store.submit_order(
        order(
            person("dora.meier", "create", DORA),
            right("dora.meier", ACCOUNT, "create", "read"),
            iso("D-77", "2019"),
            person("bruno.keller", "update", {"email": "bruno@example.ch"}),
        )
    )
    store.submit_order(
        order(
            right("dora.meier", ACCOUNT, "update", "capture"),
            person("dora.meier", "update", {"name": "Dora Meier-Rossi"}),
            right("bruno.keller", ACCOUNT, "delete"),
            base=42,
            plan="sha256:p2",
        )
    )
    store.submit_order(order(iso("D-77", "2009"), base=43, plan="sha256:p3", checkers=()))
    dora, dora_account = f"{A}/users/dora.meier", f"{A}/users/dora.meier/authorizations/{ACCOUNT}"
    statements: list[str] = []
    store.database.trace = statements.append
    values = store.last_applied_values(A)
    store.database.trace = None
    assert len(statements) == 1
    assert values == {
        dora: {**DORA, "name": "Dora Meier-Rossi"},
        dora_account: {"profile": "capture"},
        f"{A}/deliveries/D-77": {"iso_version": "2019"},  # the pending order does not count
        f"{A}/users/bruno.keller": {"email": "bruno@example.ch"},
        f"{A}/users/bruno.keller/authorizations/{ACCOUNT}": None,
    }
    store.submit_order(order(person("dora.meier", "delete"), base=43, plan="sha256:p4"))
    assert store.last_applied_values(A)[dora] is None
    assert store.last_applied_values(A)[dora_account] is None
    assert store.last_applied_values(B) == {}


# --- the audit chain ------------------------------------------------------------------------


def three_orders(store) -> None:
    """Three executed orders on two relationships, and a rejected one in between."""
    store.submit_order(order(iso("D-77", "2019")))
    other = right("marc.dubois", "EB-10000002-1", "create", "read", client=B)
    store.submit_order(
        order(
            other,
            client=B,
            base=1,
            maker="gisele.favre",
            checkers=("marc.dubois",),
            plan="sha256:q1",
        )
    )
    with pytest.raises(StaleOrderError):
        store.approve_order("WEB-1", "carla.rossi")
    store.submit_order(order(iso("D-77", "2009"), base=42, plan="sha256:p2"))


def test_every_executed_order_appends_one_linked_entry(store):
    three_orders(store)
    entries = store.audit_entries()
    first = chained_entry(
        None,
        client=A,
        order_id=f"{A}-2",
        at=AT,
        plan_id="sha256:p1",
        commit="c0ffee",
        maker="anna.muster",
        checkers=("carla.rossi",),
        changes=(iso("D-77", "2019"),),
    )
    second = chained_entry(
        first,
        client=B,
        order_id=f"{B}-1",
        at=AT,
        plan_id="sha256:q1",
        commit="c0ffee",
        maker="gisele.favre",
        checkers=("marc.dubois",),
        changes=(right("marc.dubois", "EB-10000002-1", "create", "read", client=B),),
    )
    third = chained_entry(
        second,
        client=A,
        order_id=f"{A}-3",
        at=AT,
        plan_id="sha256:p2",
        commit="c0ffee",
        maker="anna.muster",
        checkers=("carla.rossi",),
        changes=(iso("D-77", "2009"),),
    )
    assert entries == [first, second, third]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash is None
    assert entries[2].prev_hash == entries[1].hash
    assert store.audit_entries(B) == [second]
    assert verify_chain(entries) is None


@pytest.mark.parametrize(
    ("tamper", "broken"),
    [
        (
            ["UPDATE audit SET maker = 'carla.rossi' WHERE seq = 2"],
            ChainBreak(2, "entry 2 was altered: its hash does not match its content"),
        ),
        (
            ["UPDATE audit SET checkers = '[]' WHERE seq = 3"],
            ChainBreak(3, "entry 3 was altered: its hash does not match its content"),
        ),
        (
            ["DELETE FROM audit WHERE seq = 2"],
            ChainBreak(2, "entry 2 is missing: entry 3 follows entry 1"),
        ),
        (
            ["DELETE FROM audit WHERE seq = 1"],
            ChainBreak(1, "entry 1 is missing: entry 2 follows the start of the chain"),
        ),
        (
            [
                "UPDATE audit SET seq = 99 WHERE seq = 2",
                "UPDATE audit SET seq = 2 WHERE seq = 3",
                "UPDATE audit SET seq = 3 WHERE seq = 99",
            ],
            ChainBreak(2, "entry 2 was altered: its hash does not match its content"),
        ),
    ],
)
def test_audit_verification_names_the_first_broken_entry(store, tamper, broken):
    three_orders(store)
    assert verify_chain(store.audit_entries()) is None
    with store.database.transaction(write=True):
        for statement in tamper:
            store.database.execute(statement)
    assert verify_chain(store.audit_entries()) == broken


def test_audit_entries_read_in_another_order_are_out_of_order(store):
    three_orders(store)
    first, second, third = store.audit_entries()
    assert verify_chain([first, third, second]) == ChainBreak(
        3, "entry 3 is out of order: it comes before entry 2"
    )


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(store):
    three_orders(store)
    first, _, third = store.audit_entries()
    forged = chained_entry(
        first,
        client=B,
        order_id="forged",
        at=AT,
        plan_id=None,
        commit=None,
        maker="x",
        checkers=(),
        changes=(),
    )
    assert verify_chain([first, forged, third]) == ChainBreak(
        3, "entry 3 does not link to entry 2: its prev_hash differs"
    )


def test_audit_entry_round_trips_its_time_to_the_second(store):
    store.submit_order(order(iso("D-77", "2019")))
    (entry,) = store.audit_entries()
    assert isinstance(entry, AuditEntry)
    assert entry.at == AT


def test_orders_of_two_relationships_side_by_side_keep_one_unbroken_chain(store, store_url):
    """Each relationship locks its own row; the audit chain still takes one entry at a time."""
    rounds = 6

    def toggle_iso():
        with open_store(store_url) as own:
            for n in range(rounds):
                version = "2019" if n % 2 == 0 else "2009"
                own.submit_order(order(iso("D-77", version), base=41 + n, plan=f"sha256:a{n}"))

    def toggle_right():
        with open_store(store_url) as own:
            for n in range(rounds):
                action, profile = ("create", "read") if n % 2 == 0 else ("delete", None)
                change = right("marc.dubois", "EB-10000002-1", action, profile, client=B)
                own.submit_order(
                    order(
                        change,
                        client=B,
                        base=1 + n,
                        maker="gisele.favre",
                        checkers=("github:r",),
                        plan=f"sha256:b{n}",
                    )
                )

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(toggle_iso), pool.submit(toggle_right)]:
            future.result()
    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, 2 * rounds + 1))
    assert sorted(e.client for e in entries) == [A] * rounds + [B] * rounds
    assert verify_chain(entries) is None
    assert (store.read_client(A).serial, store.read_client(B).serial) == (41 + rounds, 1 + rounds)


def test_every_entry_binds_its_orders_stored_changes(store):
    three_orders(store)
    entries = store.audit_entries()
    stored = store.stored_changes()
    assert [stored_changes_digest(stored[e.order_id]) for e in entries] == [
        e.changes_digest for e in entries
    ]
    assert verify_orders(entries, stored) is None
    with store.database.transaction(write=True):
        store.database.execute(
            "UPDATE orders SET changes = REPLACE(changes, '2009', '2019') WHERE id = ?",
            (entries[2].order_id,),
        )
    assert verify_chain(store.audit_entries()) is None  # the chain alone cannot see it
    assert verify_orders(store.audit_entries(), store.stored_changes()) == ChainBreak(
        3,
        f"audit entry 3 (order {entries[2].order_id}): the order's stored changes no longer"
        " match the digest the audit recorded",
        of_order=True,
    )

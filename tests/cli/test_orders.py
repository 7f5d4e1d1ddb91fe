"""`efctl orders list | approve` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil

import pytest

from efctl.sandbox import open_store
from reconcile.backend import Order
from reconcile.plan import Action, Change, Resource

# Both engines: orders are authorised and executed at the bank.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

A, B = "10000001", "10000002"
ACCOUNT = "CH9300762011623852957"
PLAN = "sha256:" + "ab" * 32

HOLZBAU = """\
version: 1
client: {id: "10000001", name: Bärtschi Holzbau AG, language: de}
serial: 5
contracts:
  - {id: CH9300762011623852957, type: account, name: Betriebskonto}
users:
  - id: anna.muster
    name: Anna Muster
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective}
  - id: bruno.keller
    name: Bruno Keller
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective}
  - {id: urs.baertschi, name: Urs Bärtschi, admin: individual}
  - {id: egon.huber, name: Egon Huber}
deliveries:
  - id: D-1
    contract: CH9300762011623852957
    kind: camt.053
    iso_version: "2009"
    channel: ebanking
    frequency: daily
orders:
  - id: WEB-1
    maker: anna.muster
    created: "2025-04-30T16:45:00+02:00"
    changes:
      - address: 10000001/users/egon.huber/authorizations/CH9300762011623852957
        action: create
        resource: authorization
        after: {profile: read}
      - address: 10000001/deliveries/D-1
        action: update
        resource: delivery
        before: {iso_version: "2009"}
        after: {iso_version: "2019"}
  - id: WEB-2
    maker: urs.baertschi
    created: "2025-05-02T09:00:00Z"
    changes:
      - address: 10000001/users/dora.meier
        action: create
        resource: user
        after: {name: Dora Meier, language: fr}
"""

FAVRE = """\
version: 1
client: {id: "10000002", name: Fiduciaire Gisèle Favre SA, language: fr}
contracts:
  - {id: EB-10000002-1, type: ebill, name: eBill}
users:
  - id: gisele.favre
    name: Gisèle Favre
    admin: individual
    authorizations: {EB-10000002-1: sign_individual}
  - {id: marc.dubois, name: Marc Dubois, admin: collective}
orders:
  - id: WEB-3
    maker: gisele.favre
    created: "2025-05-03T08:30:00+02:00"
    changes:
      - address: 10000002/users/marc.dubois/authorizations/EB-10000002-1
        action: create
        resource: authorization
        after: {profile: capture}
"""

WEB_1 = (
    "WEB-1  relationship 10000001 (Bärtschi Holzbau AG)\n"
    "  made           2025-04-30T14:45:00+00:00 by anna.muster in the web UI\n"
    "  checked by     nobody yet\n"
    "  needs          a reviewer who is not the author and one individual admin or a second"
    " collective admin\n"
    "  may authorise  bruno.keller (collective), urs.baertschi (individual)\n"
    "  changes        + egon.huber on CH9300762011623852957: read\n"
    "                 ~ delivery D-1: ISO version 2009 -> 2019\n"
)
WEB_2 = """\
WEB-2  relationship 10000001 (Bärtschi Holzbau AG)
  made           2025-05-02T09:00:00+00:00 by urs.baertschi in the web UI
  checked by     nobody yet
  needs          a reviewer who is not the author
  may authorise  anna.muster (collective), bruno.keller (collective)
{stale}  changes        + user dora.meier: Dora Meier, language fr
"""
WEB_3 = """\
WEB-3  relationship 10000002 (Fiduciaire Gisèle Favre SA)
  made           2025-05-03T06:30:00+00:00 by gisele.favre in the web UI
  checked by     nobody yet
  needs          a reviewer who is not the author
  may authorise  marc.dubois (collective)
  changes        + marc.dubois on EB-10000002-1: capture
"""
STALE = (
    "  stale          based on serial 5, the relationship is at serial 6 now:"
    " the bank rejects it once authorised\n"
)


@pytest.fixture
def bank(repo):
    """The repository's sandbox bank, seeded again with two relationships and web-UI orders."""
    shutil.rmtree(repo.root / "bank")
    repo.write(f"bank/{A}.yaml", HOLZBAU)
    repo.write(f"bank/{B}.yaml", FAVRE)
    assert repo.efctl("sandbox", "reset").exit_code == 0
    return repo


def outcome(result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_every_pending_order_with_what_four_eyes_still_need(bank):
    assert outcome(bank.efctl("orders", "list")) == (
        0,
        "3 pending orders at the bank\n\n" + WEB_1 + "\n" + WEB_2.format(stale="") + "\n" + WEB_3,
        "",
    )


def test_list_of_one_relationship_and_of_none(bank):
    assert outcome(bank.efctl("orders", "list", "--client", "1000 0002")) == (
        0,
        "1 pending order at the bank\n\n" + WEB_3,
        "",
    )
    assert bank.efctl("orders", "approve", "WEB-3", "--as", "marc.dubois").exit_code == 0
    assert outcome(bank.efctl("orders", "list", "--client", B)) == (
        0,
        "No pending orders for relationship 10000002.\n",
        "",
    )


def test_list_of_an_unknown_relationship_is_an_error(bank):
    assert outcome(bank.efctl("orders", "list", "--client", "99999999")) == (
        1,
        "",
        "efctl: error: client relationship 99999999 is unknown at the bank\n"
        "    hint: relationships at the bank: 10000001, 10000002\n",
    )


def test_list_as_json(bank):
    result = bank.efctl("orders", "list", "--client", B, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "id": "WEB-3",
            "client": B,
            "name": "Fiduciaire Gisèle Favre SA",
            "created": "2025-05-03T06:30:00+00:00",
            "base_serial": 1,
            "serial": 1,
            "plan_id": None,
            "commit": None,
            "maker": "gisele.favre",
            "checkers": [],
            "missing": "a reviewer who is not the author",
            "may_authorise": [{"user": "marc.dubois", "admin": "collective"}],
            "changes": [
                {
                    "address": f"{B}/users/marc.dubois/authorizations/EB-{B}-1",
                    "action": "create",
                    "resource": "authorization",
                    "before": None,
                    "after": {"profile": "capture"},
                    "notes": [],
                    "drift": False,
                }
            ],
        }
    ]


def test_approve_executes_once_four_eyes_hold_and_later_orders_go_stale(bank):
    assert outcome(bank.efctl("orders", "approve", "WEB-1", "--as", "bruno.keller")) == (
        0,
        "order WEB-1 executed (authorised by bruno.keller): relationship 10000001 is at serial"
        " 6 now\n",
        "",
    )
    listed = bank.efctl("orders", "list", "--client", A)
    assert listed.stdout == "1 pending order at the bank\n\n" + WEB_2.format(stale=STALE)
    assert outcome(bank.efctl("orders", "approve", "WEB-2", "--as", "anna.muster")) == (
        1,
        "",
        "efctl: error: relationship 10000001 changed at the bank: the order is based on serial"
        " 5, the bank is at serial 6\n"
        "    hint: order WEB-2 is rejected; order the change again from a fresh plan\n",
    )
    assert bank.efctl("orders", "list", "--client", A).stdout == (
        "No pending orders for relationship 10000001.\n"
    )
    with open_store(bank.env["EFCTL_BACKEND"]) as store:
        state = store.read_client(A)
    assert state.serial == 6
    assert [d.iso_version for d in state.deliveries] == ["2019"]
    assert "dora.meier" not in [u.id for u in state.users]


@pytest.mark.parametrize(
    ("user", "refusal"),
    [
        (
            "anna.muster",
            "efctl: error: 'anna.muster' made order WEB-1 and cannot also check it\n"
            "    hint: four eyes: another admin of the relationship authorises it\n",
        ),
        (
            "egon.huber",
            "efctl: error: 'egon.huber' holds no Admin right in relationship 10000001; only"
            " admins authorise orders\n",
        ),
        ("gisele.favre", "efctl: error: 'gisele.favre' is no user of relationship 10000001\n"),
    ],
)
def test_approve_refusals_change_nothing(bank, user, refusal):
    assert outcome(bank.efctl("orders", "approve", "WEB-1", "--as", user)) == (1, "", refusal)
    assert bank.efctl("orders", "list", "--client", A).stdout.endswith(WEB_2.format(stale=""))
    with open_store(bank.env["EFCTL_BACKEND"]) as store:
        assert store.read_client(A).serial == 5
        assert store.audit_entries() == []


def test_approve_an_unknown_order(bank):
    assert outcome(bank.efctl("orders", "approve", "WEB-9", "--as", "anna.muster")) == (
        1,
        "",
        "efctl: error: there is no order WEB-9 at the bank\n",
    )


def test_an_order_from_a_plan_stays_pending_until_enough_admins_authorise(bank):
    """A plan whose author is no admin: one collective admin is not enough, a second is."""
    with open_store(bank.env["EFCTL_BACKEND"]) as store:
        change = Change(
            f"{A}/users/egon.huber/authorizations/{ACCOUNT}",
            Action.CREATE,
            Resource.AUTHORIZATION,
            None,
            {"profile": "capture"},
        )
        submitted = store.submit_order(
            Order(A, 5, PLAN, "c0ffee1", "egon.huber", ("github:reviewer",), (change,))
        )
    order_id = submitted.order_id
    assert order_id == "10000001-3"
    listed = bank.efctl("orders", "list", "--client", A).stdout
    assert listed.endswith(
        f"{order_id}  relationship 10000001 (Bärtschi Holzbau AG)\n"
        f"  made           {_created(bank, order_id)} by egon.huber from plan"
        " sha256:abababababab… (commit c0ffee1)\n"
        "  checked by     github:reviewer\n"
        "  needs          one individual admin or two collective admins\n"
        "  may authorise  anna.muster (collective), bruno.keller (collective),"
        " urs.baertschi (individual)\n"
        "  changes        + egon.huber on CH9300762011623852957: capture\n"
    )
    assert outcome(bank.efctl("orders", "approve", order_id, "--as", "anna.muster")) == (
        0,
        f"order {order_id} authorised by anna.muster; still pending at the bank: it needs one"
        " individual admin or a second collective admin\n",
        "",
    )
    assert outcome(bank.efctl("orders", "approve", order_id, "--as", "anna.muster")) == (
        1,
        "",
        f"efctl: error: 'anna.muster' has already authorised order {order_id}\n",
    )
    assert outcome(bank.efctl("orders", "approve", order_id, "--as", "bruno.keller")) == (
        0,
        f"order {order_id} executed (authorised by bruno.keller): relationship 10000001 is at"
        " serial 6 now\n",
        "",
    )


def _created(repo, order_id: str) -> str:
    with open_store(repo.env["EFCTL_BACKEND"]) as store:
        return next(o.created_at for o in store.pending_orders() if o.id == order_id)

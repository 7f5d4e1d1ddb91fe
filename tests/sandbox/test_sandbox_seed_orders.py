"""Pending orders in a bank seed: what they give, and every problem located to file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from efctl.sandbox import SeedError, load_bank, load_seed
from efctl.sandbox.seed import SeededClient

ORDERS_SEED = Path(__file__).parent / "seeds" / "orders"

BAD_ORDERS = """\
version: 1
client: {id: "10000001", name: Bärtschi Holzbau AG, language: de}
contracts:
  - {id: CH01, type: account, name: Konto}
users:
  - {id: anna.muster, name: Anna Muster, admin: collective, authorizations: {CH01: read}}
  - {id: bruno.keller, name: Bruno Keller}
deliveries:
  - {id: D-1, contract: CH01, kind: statement, channel: ebanking, frequency: monthly}
orders:
  - id: WEB-1
    maker: bruno.keller
    created: "2025-13-01T10:00:00Z"
    changes:
      - {address: 10000001/users/anna.muster/admin, action: manual, resource: admin_right}
      - address: 10000001/users/anna.muster/authorizations/CH01
        action: create
        resource: authorization
        after: {profile: read}
  - id: WEB-1
    maker: zoe.weber
    created: "2025-05-01T10:00:00Z"
    changes:
      - address: 10000001/deliveries/D-1
        action: update
        resource: delivery
        after: {iso_version: "2019"}
"""

OTHER = """\
version: 1
client: {id: "10000002", name: Favre SA, language: fr}
users:
  - {id: gisele.favre, name: Gisèle Favre, admin: individual}
orders:
  - id: WEB-1
    maker: gisele.favre
    created: "2025-05-01T10:00:00+02:00"
    changes:
      - address: 10000002/users/marc.dubois
        action: create
        resource: user
        after: {name: Marc Dubois, language: fr}
"""


def test_seeded_orders_are_pending_on_the_seed_serial():
    states = load_seed(ORDERS_SEED)
    seeded = load_bank(ORDERS_SEED)
    assert [s.state for s in seeded] == states
    first, second = seeded
    assert isinstance(first, SeededClient)
    assert [(o.id, o.created_at, o.order.base_serial, o.order.maker) for o in first.orders] == [
        ("WEB-1", "2025-04-30T14:45:00+00:00", 41, "anna.muster")
    ]
    assert second.orders == ()


def test_every_problem_of_seeded_orders_is_located(tmp_path):
    (tmp_path / "10000001.yaml").write_text(BAD_ORDERS, encoding="utf-8")
    (tmp_path / "10000002.yaml").write_text(OTHER, encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        load_seed(tmp_path)
    found = [
        f"{Path(d.file).name}:{d.line}:{d.col}: {d.code} {d.message}"
        for d in caught.value.diagnostics
    ]
    assert found == [
        "10000001.yaml:12:12: EF013 order 'WEB-1' is made by 'bruno.keller', who holds no Admin"
        " right",
        "10000001.yaml:13:14: EF015 order 'WEB-1': '2025-13-01T10:00:00Z' is no moment in time",
        "10000001.yaml:15:9: EF013 order 'WEB-1': change 1 (10000001/users/anna.muster/admin):"
        " it is manual: the bank takes it only on paper or through the client advisor",
        "10000001.yaml:20:9: EF201 order id 'WEB-1' appears twice in orders (first on line 11)",
        "10000001.yaml:21:12: EF013 order 'WEB-1' is made by 'zoe.weber', who is not among the"
        " users of this file",
        "10000001.yaml:24:9: EF013 order 'WEB-1': change 1 (10000001/deliveries/D-1) does not"
        " apply: delivery 'D-1' is a PDF document without ISO version",
        "10000002.yaml:6:9: EF201 order id 'WEB-1' is already used in"
        f" {tmp_path / '10000001.yaml'}",
    ]
    assert caught.value.message == f"the bank seed in {tmp_path} has 7 problems (listed above)"


def test_the_schema_describes_a_seeded_order(tmp_path):
    (tmp_path / "10000002.yaml").write_text(
        OTHER.replace('"2025-05-01T10:00:00+02:00"', "2025-05-01 10:00").replace(
            OTHER[OTHER.index("    changes:") :],
            "    changes: []\n    checkers: [gisele.favre]\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(SeedError) as caught:
        load_seed(tmp_path)
    assert [(d.line, d.col, d.code, d.message) for d in caught.value.diagnostics] == [
        (8, 14, "EF015", "orders[0].created: '2025-05-01 10:00' has the wrong format"),
        (9, 14, "EF013", "orders[0].changes: [] should be non-empty"),
        (10, 5, "EF010", "unknown key 'checkers' in orders[0]"),
    ]

"""Time-boxed entries: which entries count on a day (``until`` is the first day without them),
what an expired entry's removal edits, and the note its changes carry."""

from __future__ import annotations

from datetime import date

import pytest

from reconcile.edits import Edit, Op
from reconcile.expiry import Entry, Expiry, expiries, expiry_edits, in_force, label_expired
from reconcile.plan import Action, Change, Note, NoteKind, Resource

C = "10432210"
CHF = "CH5604835012345678009"
EBILL = "EB-10432210-1"

TIMEBOXED = f"""
users:
  - id: anna.muster
    name: Anna Muster
    authorizations:
      single:
        - {{contract: {CHF}, profile: read, until: "2026-06-10"}}
        - {{contract: {EBILL}, profile: capture}}
  - id: bruno.keller
    name: Bruno Keller
    until: "2026-06-05"
    authorizations: {{all: {{'*': read}}}}
  - {{id: carl.frei, name: Carl Frei, authorizations: {{all: {{'*': read}}}}}}
api_keys:
  - {{name: erp, user: bruno.keller, until: "2026-06-20"}}
  - {{name: shop, user: anna.muster, until: "2026-06-08"}}
  - {{name: web, user: anna.muster}}
"""


def test_every_until_in_file_order_and_a_key_ends_with_its_user_if_sooner(declare):
    anna, bruno = f"{C}/users/anna.muster", f"{C}/users/bruno.keller"
    assert expiries(declare(TIMEBOXED)) == (
        Expiry(
            Entry.SINGLE,
            ("users", 0, "authorizations", "single", 0),
            f"{anna}/authorizations/{CHF}",
            date(2026, 6, 10),
            "anna.muster",
            CHF,
        ),
        Expiry(Entry.USER, ("users", 1), bruno, date(2026, 6, 5), "bruno.keller", "bruno.keller"),
        Expiry(
            Entry.API_KEY,
            ("api_keys", 0),
            f"{C}/api_keys/erp",
            date(2026, 6, 5),
            "bruno.keller",
            "erp",
            with_user=True,
        ),
        Expiry(
            Entry.API_KEY,
            ("api_keys", 1),
            f"{C}/api_keys/shop",
            date(2026, 6, 8),
            "anna.muster",
            "shop",
        ),
    )


SINGLE_0 = ("users", 0, "authorizations", "single", 0)
BRUNO, ERP, SHOP = ("users", 1), ("api_keys", 0), ("api_keys", 1)
EVERYONE = {"anna.muster": [CHF, EBILL], "bruno.keller": [], "carl.frei": []}
WITHOUT_BRUNO = {"anna.muster": [CHF, EBILL], "carl.frei": []}


@pytest.mark.parametrize(
    ("today", "gone", "users", "keys"),
    [
        (None, [], EVERYONE, ["erp", "shop", "web"]),
        (date(2026, 6, 4), [], EVERYONE, ["erp", "shop", "web"]),
        (date(2026, 6, 5), [BRUNO, ERP], WITHOUT_BRUNO, ["shop", "web"]),
        (date(2026, 6, 8), [BRUNO, ERP, SHOP], WITHOUT_BRUNO, ["web"]),
        (
            date(2026, 6, 10),
            [SINGLE_0, BRUNO, ERP, SHOP],
            {"anna.muster": [EBILL], "carl.frei": []},
            ["web"],
        ),
    ],
)
def test_an_entry_counts_up_to_the_day_before_its_until(declare, today, gone, users, keys):
    current = in_force(declare(TIMEBOXED), today)
    assert [e.pointer for e in current.expired] == gone
    assert expiry_edits(current.expired) == tuple(Edit(Op.REMOVE, at) for at in gone)
    assert {u.id: [s.contract for s in u.grants.single] for u in current.spec.users} == users
    assert [k.name for k in current.spec.api_keys] == keys


def test_an_expired_user_labels_its_rights_and_a_key_names_its_user(declare):
    expired = in_force(declare(TIMEBOXED), date(2026, 6, 5)).expired
    bruno = f"{C}/users/bruno.keller"
    changes = [
        Change(address, Action.DELETE, resource, {}, None)
        for address, resource in (
            (bruno, Resource.USER),
            (f"{bruno}/authorizations/{CHF}", Resource.AUTHORIZATION),
            (f"{C}/users/anna.muster/authorizations/{CHF}", Resource.AUTHORIZATION),
            (f"{C}/api_keys/erp", Resource.API_KEY),
        )
    ]
    user_note = Note(
        NoteKind.EXPIRED, "expired on 2026-06-05", {"on": "2026-06-05", "entry": "user"}
    )
    key_note = Note(
        NoteKind.EXPIRED,
        "expired on 2026-06-05 with its user bruno.keller",
        {"on": "2026-06-05", "entry": "api_key"},
    )
    assert [c.notes for c in label_expired(changes, expired)] == [
        (user_note,),
        (user_note,),
        (),
        (key_note,),
    ]
    assert label_expired(changes, ()) == tuple(changes)


def test_each_entry_describes_itself(declare):
    assert [e.describe() for e in expiries(declare(TIMEBOXED))] == [
        f"the single entry of user 'anna.muster' on {CHF}",
        "user 'bruno.keller'",
        "API key 'erp'",
        "API key 'shop'",
    ]

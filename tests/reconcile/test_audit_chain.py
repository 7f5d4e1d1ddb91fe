"""The audit chain alone: each way its entries can be out of place, and a hash kept earlier."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconcile.audit import (
    AuditEntry,
    ChainBreak,
    chained_entry,
    verify_anchor,
    verify_chain,
    verify_orders,
)
from reconcile.plan import Action, Change, Resource, canonical_json, sha256_of


def chain(length: int):
    entries, previous = [], None
    for seq in range(1, length + 1):
        previous = chained_entry(
            previous,
            client="10432210",
            order_id=f"O-{seq}",
            at=f"2026-11-0{seq}T10:00:00Z",
            plan_id=None,
            commit=None,
            maker="anna.muster",
            checkers=("bruno.keller",),
            changes=(),
        )
        entries.append(previous)
    return entries


@pytest.mark.parametrize(
    ("order", "broken"),
    [
        ([1, 2, 3, 4], None),
        ([1, 3, 2, 4], ChainBreak(3, "entry 3 is out of order: it comes before entry 2")),
        ([2, 1, 3, 4], ChainBreak(2, "entry 2 is out of order: it comes before entry 1")),
        ([1, 2, 4], ChainBreak(3, "entry 3 is missing: entry 4 follows entry 2")),
        ([2, 3, 4], ChainBreak(1, "entry 1 is missing: entry 2 follows the start of the chain")),
        ([1, 2, 2, 3, 4], ChainBreak(2, "entry 2 appears twice")),
    ],
)
def test_an_entry_out_of_place_is_named(order, broken):
    entries = chain(4)
    assert verify_chain([entries[seq - 1] for seq in order]) == broken


def entry_after(previous, maker="anna.muster"):
    return chained_entry(
        previous, client="10432210", order_id="O-9", at="2026-11-09T10:00:00Z", plan_id=None,
        commit=None, maker=maker, checkers=(), changes=(),
    )  # fmt: skip


def test_an_entry_numbered_below_every_place_is_out_of_order():
    """A lower seq than expected is one already seen (it appears twice), but for 0 or less."""
    entries = chain(2)
    zero = entry_after(replace(entries[0], seq=-1))
    assert zero.seq == 0
    assert verify_chain([entries[0], zero]) == ChainBreak(
        0, "entry 0 is out of order: it comes after entry 1"
    )
    assert verify_chain([zero]) == ChainBreak(
        0, "entry 0 is out of order: it comes after the start of the chain"
    )


def test_an_entry_that_links_to_another_entry_than_the_one_before_it_is_named():
    entries = chain(1)
    other_second = entry_after(entry_after(None, maker="marc.dubois"))
    assert verify_chain([entries[0], other_second]) == ChainBreak(
        2, "entry 2 does not link to entry 1: its prev_hash differs"
    )
    first_with_a_link = entry_after(replace(entries[0], seq=0))
    assert verify_chain([first_with_a_link]) == ChainBreak(
        1, "entry 1 does not link to no entry (it is the first): its prev_hash differs"
    )


def test_a_hash_kept_from_a_chain_of_one_entry_is_found_or_named_as_gone():
    [entry] = chain(1)
    assert verify_anchor([entry], entry.hash) is None
    gone = "sha256:" + "ab" * 32
    assert verify_anchor([entry], gone) == ChainBreak(
        None,
        "the hash kept from an earlier verify (sha256:abababababab…) is not in the chain of 1"
        " entry: entries were removed or the chain was replaced",
    )


def test_an_order_gone_from_the_bank_or_rewritten_is_named_with_its_entry():
    first, second = chain(2)
    stored = {"O-1": "[]", "O-2": "[]"}
    assert verify_orders([first, second], stored) is None
    assert verify_orders([first, second], {"O-1": "[]"}) == ChainBreak(
        2, "audit entry 2 (order O-2): the order is no longer in the bank", True
    )
    assert verify_orders([first, second], {**stored, "O-1": "[{}]"}) == ChainBreak(
        1,
        "audit entry 1 (order O-1): the order's stored changes no longer match the digest the"
        " audit recorded",
        True,
    )
    assert verify_orders([first], {"O-1": "not json"}) == ChainBreak(
        1,
        "audit entry 1 (order O-1): the order's stored changes no longer match the digest the"
        " audit recorded",
        True,
    )


def test_an_entry_records_its_order_and_its_hash_covers_every_other_field():
    change = Change("10432210/users/anna", Action.DELETE, Resource.USER, {"name": "Anna"}, None)
    [first] = chain(1)
    entry = chained_entry(
        first,
        client="10432210",
        order_id="O-2",
        at="2026-11-02T10:00:00Z",
        plan_id="sha256:" + "1" * 64,
        commit="0123456789abcdef0123456789abcdef01234567",
        maker="anna.muster",
        checkers=["bruno.keller", "carla.rossi"],
        changes=[change],
    )
    fields = {
        "seq": 2,
        "client": "10432210",
        "order_id": "O-2",
        "at": "2026-11-02T10:00:00Z",
        "plan_id": "sha256:" + "1" * 64,
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "maker": "anna.muster",
        "checkers": ["bruno.keller", "carla.rossi"],
        "changes_digest": sha256_of(canonical_json([change.to_json()])),
        "prev_hash": first.hash,
    }
    assert entry.body() == fields
    assert entry.hash == sha256_of(canonical_json(fields))
    assert entry == AuditEntry(**{**fields, "checkers": tuple(fields["checkers"])}, hash=entry.hash)

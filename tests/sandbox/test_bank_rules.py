"""The pure parts behind the bank's write side: the four-eyes rule and the audit chain."""

from __future__ import annotations

import pytest
from four_eyes_cases import PEOPLE, each_case

from efctl.sandbox.rules import four_eyes_missing
from reconcile.audit import (
    ChainBreak,
    chained_entry,
    changes_digest,
    stored_changes_digest,
    verify_chain,
    verify_orders,
)
from reconcile.plan import Action, Change, Resource, canonical_json, sha256_of


@pytest.mark.parametrize("case", each_case())
def test_four_eyes_rule(case):
    assert four_eyes_missing(case.maker, case.checkers, PEOPLE) == case.needs


CHANGE = Change("1/deliveries/D-1", Action.UPDATE, Resource.DELIVERY, None, {"iso_version": "2019"})


def chain(length: int):
    entries, previous = [], None
    for n in range(length):
        previous = chained_entry(
            previous,
            client=str(n % 2 + 1),
            order_id=f"{n % 2 + 1}-{n // 2 + 1}",
            at=f"2025-05-0{n + 1}T12:00:00+00:00",
            plan_id=f"sha256:{n}",
            commit=None,
            maker="ind",
            checkers=["nobody"],
            changes=[CHANGE],
        )
        entries.append(previous)
    return entries


def test_an_entry_hashes_its_canonical_body_and_links_the_previous_hash():
    first, second = chain(2)
    assert first.seq == 1 and first.prev_hash is None
    assert second.seq == 2 and second.prev_hash == first.hash
    assert (
        first.changes_digest
        == changes_digest([CHANGE])
        == sha256_of(canonical_json([CHANGE.to_json()]))
    )
    assert second.hash == sha256_of(canonical_json(second.body()))
    assert "hash" not in second.body()
    assert verify_chain(chain(4)) is None
    assert verify_chain([]) is None


@pytest.mark.parametrize(
    ("order", "broken"),
    [
        ([1, 3, 2, 4], ChainBreak(3, "entry 3 is out of order: it comes before entry 2")),
        ([2, 1, 3, 4], ChainBreak(2, "entry 2 is out of order: it comes before entry 1")),
        ([1, 2, 4], ChainBreak(3, "entry 3 is missing: entry 4 follows entry 2")),
        ([2, 3, 4], ChainBreak(1, "entry 1 is missing: entry 2 follows the start of the chain")),
        ([1, 2, 2, 3], ChainBreak(2, "entry 2 appears twice")),
        ([1, 2, 3, 1], ChainBreak(1, "entry 1 appears twice")),
    ],
)
def test_verify_names_the_seq_of_misplaced_entries(order, broken):
    entries = chain(4)
    assert verify_chain([entries[seq - 1] for seq in order]) == broken


STORED = canonical_json([CHANGE.to_json()])
REWRITTEN = "the order's stored changes no longer match the digest the audit recorded"


def test_the_stored_changes_hash_to_the_recorded_digest_however_spaced():
    assert stored_changes_digest(STORED) == changes_digest([CHANGE])
    spaced = '[ {"resource": "delivery", ' + STORED[2:].replace(',"resource":"delivery"', "")
    assert spaced != STORED
    assert stored_changes_digest(spaced) == changes_digest([CHANGE])
    assert stored_changes_digest("not json") is None


@pytest.mark.parametrize(
    ("stored", "broken"),
    [
        ({"1-1": STORED, "2-1": STORED, "1-2": STORED}, None),
        (
            {"1-1": STORED, "2-1": STORED.replace("2019", "2009"), "1-2": "[]"},
            ChainBreak(2, f"audit entry 2 (order 2-1): {REWRITTEN}", of_order=True),
        ),
        (
            {"1-1": STORED, "1-2": "[]"},
            ChainBreak(
                2, "audit entry 2 (order 2-1): the order is no longer in the bank", of_order=True
            ),
        ),
        (
            {"1-1": '[{"extra": 1}]', "2-1": STORED, "1-2": STORED},
            ChainBreak(1, f"audit entry 1 (order 1-1): {REWRITTEN}", of_order=True),
        ),
    ],
    ids=["intact", "rewritten", "gone", "first"],
)
def test_verify_orders_names_the_first_order_that_no_longer_matches(stored, broken):
    assert verify_orders(chain(3), stored) == broken

"""The bank's automatic ISO version change as the engine words it: when the parallel phase is
over, the change the bank records per delivery, and the notes a plan shows per day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from reconcile.catalog import IsoGeneration
from reconcile.isochange import bank_notes, change_note, newest_version, phase_over, switch_change
from reconcile.model import ClientState, Delivery
from reconcile.plan import Action, Change, Note, NoteKind, Resource

C = "10432210"
CHF = "CH5604835012345678009"
NOV_22, NOV_23 = date(2026, 11, 22), date(2026, 11, 23)


def camt(delivery: str, kind: str = "camt.053", version: str | None = "2019", **switched):
    return Delivery(delivery, CHF, kind, version, "ebanking", "daily", **switched)


def test_the_phase_ends_at_the_end_of_its_last_day_and_2019_is_the_newest(catalog):
    assert catalog.parallel_phase_end == date(2026, 11, 21)
    assert (phase_over(catalog, date(2026, 11, 21)), phase_over(catalog, NOV_22)) == (False, True)
    assert newest_version(catalog) == "2019"
    newer = IsoGeneration("2025", "camt.05x.001.13", ("pain.001.001.12",))
    three = replace(catalog, iso_versions={**catalog.iso_versions, "2025": newer})
    assert newest_version(three) == "2025"  # the catalog lists generations oldest first


def test_the_change_the_bank_records_for_one_switched_delivery():
    delivery = camt("D-77", version="2009")
    assert switch_change(C, delivery, "2019", NOV_22) == Change(
        f"{C}/deliveries/D-77",
        Action.UPDATE,
        Resource.DELIVERY,
        {"iso_version": "2009", "kind": "camt.053", "contract": CHF},
        {"iso_version": "2019"},
        (
            Note(
                NoteKind.AUTOMATIC_ISO_CHANGE,
                "the bank switched it from ISO 2009 to 2019 on 2026-11-22, after the parallel "
                "phase",
                {
                    "on": "2026-11-22",
                    "iso_version": "2019",
                    "deliveries": [{"delivery": "D-77", "kind": "camt.053", "from": "2009"}],
                },
            ),
        ),
    )


def test_one_note_per_day_listing_the_deliveries_switched_that_day():
    """Deliveries never switched, or without a version, are not named; a day's deliveries are
    counted and listed by id, the versions they left named once each."""
    state = ClientState(
        C,
        "Muster Holding AG",
        "de",
        41,
        deliveries=(
            camt("D-80", switched_on=NOV_23, switched_from="2009"),
            camt("D-79", "camt.054", switched_on=NOV_22, switched_from="2009"),
            camt("D-78", switched_on=NOV_22, switched_from="2009"),
            camt("D-76"),
            camt("D-75", "statement", None),
        ),
    )
    assert bank_notes(state) == (
        Note(
            NoteKind.AUTOMATIC_ISO_CHANGE,
            "the bank switched 2 deliveries from ISO 2009 to 2019 on 2026-11-22, after the "
            "parallel phase: D-78 (camt.053), D-79 (camt.054)",
            {
                "on": "2026-11-22",
                "iso_version": "2019",
                "deliveries": [
                    {"delivery": "D-78", "kind": "camt.053", "from": "2009"},
                    {"delivery": "D-79", "kind": "camt.054", "from": "2009"},
                ],
            },
        ),
        Note(
            NoteKind.AUTOMATIC_ISO_CHANGE,
            "the bank switched 1 delivery from ISO 2009 to 2019 on 2026-11-23, after the "
            "parallel phase: D-80 (camt.053)",
            {
                "on": "2026-11-23",
                "iso_version": "2019",
                "deliveries": [{"delivery": "D-80", "kind": "camt.053", "from": "2009"}],
            },
        ),
    )
    assert bank_notes(ClientState(C, "Muster Holding AG", "de", 41)) == ()


def test_a_note_names_each_version_left_once_and_none_when_unknown():
    state = ClientState(
        C,
        "Muster Holding AG",
        "de",
        41,
        deliveries=(
            camt("D-78", switched_on=NOV_22, switched_from="2009"),
            camt("D-79", switched_on=NOV_22, switched_from="2015"),
            camt("D-80", switched_on=NOV_22, switched_from="2009"),
            camt("D-81", switched_on=NOV_23),
        ),
    )
    assert [note.text for note in bank_notes(state)] == [
        "the bank switched 3 deliveries from ISO 2009 and 2015 to 2019 on 2026-11-22, after the"
        " parallel phase: D-78 (camt.053), D-79 (camt.053), D-80 (camt.053)",
        "the bank switched 1 delivery to 2019 on 2026-11-23, after the parallel phase: D-81"
        " (camt.053)",
    ]


def test_a_planned_change_of_a_switched_delivery_says_what_the_bank_did():
    switched = camt("D-77", switched_on=NOV_22, switched_from="2009")
    assert change_note(switched) == Note(
        NoteKind.AUTOMATIC_ISO_CHANGE,
        "the bank switched it from ISO 2009 to 2019 on 2026-11-22, after the parallel phase",
        {
            "on": "2026-11-22",
            "iso_version": "2019",
            "deliveries": [{"delivery": "D-77", "kind": "camt.053", "from": "2009"}],
        },
    )
    assert change_note(camt("D-78")) is None
    assert change_note(camt("D-79", "statement", None, switched_on=NOV_22)) is None

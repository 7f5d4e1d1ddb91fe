"""The bank's automatic ISO version change, as the engine sees it: pure, no I/O.

After the catalog's ``parallel_phase_end`` (the phase ends at the end of that day, as EF109
judges it: ``today > parallel_phase_end``), the bank switches every camt delivery still on an
older ISO version to the newest one on its own. The sandbox bank records each switch as an
executed order made by :data:`BANK_MAKER`, one per relationship, whose changes are built here;
a plan shows what the bank switched as notes of kind ``automatic_iso_change``, never as drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby

from reconcile.catalog import Catalog
from reconcile.model import ClientState, Delivery
from reconcile.plan import Action, Address, Change, Note, NoteKind, Resource

LABEL = "automatic ISO version change"  # the bank's reason, and the views' label
BANK_MAKER = "the bank"  # who made the bank's own orders: no user id (they hold no spaces)


def phase_over(catalog: Catalog, today: date) -> bool:
    """Whether the parallel phase has ended on ``today`` (it ends at the end of its last day)."""
    return today > catalog.parallel_phase_end


def newest_version(catalog: Catalog) -> str:
    return list(catalog.iso_versions)[-1]


def switch_change(client: str, delivery: Delivery, newest: str, on: date) -> Change:
    """The change the bank records when it switches ``delivery`` to ``newest`` on ``on``."""
    return Change(
        str(Address(client, Resource.DELIVERY, delivery=delivery.id)),
        Action.UPDATE,
        Resource.DELIVERY,
        {"iso_version": delivery.iso_version, "kind": delivery.kind, "contract": delivery.contract},
        {"iso_version": newest},
        (_note(on, newest, [(delivery, delivery.iso_version)], it=True),),
    )


def bank_notes(state: ClientState) -> tuple[Note, ...]:
    """One note per day the bank switched deliveries of the relationship automatically."""
    switched = sorted(
        (d for d in state.deliveries if d.switched_on is not None),
        key=lambda d: (d.switched_on, d.iso_version or "", d.id),
    )
    return tuple(
        _note(on, version, [(d, d.switched_from) for d in group])
        for (on, version), group in (
            (key, list(items))
            for key, items in groupby(switched, key=lambda d: (d.switched_on, d.iso_version))
        )
    )


def change_note(delivery: Delivery) -> Note | None:
    """For a planned change of a delivery the bank switched: what the bank did."""
    if delivery.switched_on is None or delivery.iso_version is None:
        return None
    return _note(
        delivery.switched_on, delivery.iso_version, [(delivery, delivery.switched_from)], it=True
    )


def _note(
    on: date, version: str, switched: Sequence[tuple[Delivery, str | None]], it: bool = False
) -> Note:
    froms = sorted({old for _, old in switched if old})
    was = f" from ISO {' and '.join(froms)}" if froms else ""
    if it:
        what = "the bank switched it"
        listed = ""
    else:
        count = len(switched)
        what = f"the bank switched {count} deliver{'y' if count == 1 else 'ies'}"
        listed = ": " + ", ".join(f"{d.id} ({d.kind})" for d, _ in switched)
    data = {
        "on": on.isoformat(),
        "iso_version": version,
        "deliveries": [{"delivery": d.id, "kind": d.kind, "from": old} for d, old in switched],
    }
    text = f"{what}{was} to {version} on {on.isoformat()}, after the parallel phase{listed}"
    return Note(NoteKind.AUTOMATIC_ISO_CHANGE, text, data)

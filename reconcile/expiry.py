"""Time-boxed access: entries whose ``until`` has come no longer count (DOMAIN.md section 5).

A user, a ``single`` entry or an API key may carry ``until``; from that day on (judged on the
injected ``today``, never a clock) it contributes nothing to the desired state, so the plan
removes what it granted and labels the removal. An API key of an expired user expires with the
user: a key always belongs to a declared user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from reconcile.diagnostics import Pointer
from reconcile.edits import Edit, Op
from reconcile.model import ClientSpec
from reconcile.plan import Address, Change, Note, NoteKind, Resource


class Entry(StrEnum):
    """The kind of declaration entry that carries (or inherits) the ``until``."""

    USER = "user"
    SINGLE = "single"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Expiry:
    """One time-boxed entry: where it is in the declaration, what it grants, when it ends."""

    entry: Entry
    pointer: Pointer  # the entry in the document: users[i], its single[j], api_keys[k]
    address: str  # the plan address of what the entry grants
    on: date
    user: str  # the user it grants to (for a key: the key's owner)
    name: str  # the user id, the contract of the single entry, or the key's name
    with_user: bool = False  # an API key that ends with its user's until, not its own

    def describe(self) -> str:
        """``user 'x'``, ``single entry of user 'x' on C``, ``API key 'k'``."""
        if self.entry is Entry.USER:
            return f"user '{self.user}'"
        if self.entry is Entry.SINGLE:
            return f"the single entry of user '{self.user}' on {self.name}"
        return f"API key '{self.name}'"

    def expired(self, today: date) -> bool:
        return self.on <= today

    def note(self) -> Note:
        text = f"expired on {self.on.isoformat()}"
        if self.with_user:
            text += f" with its user {self.user}"
        return Note(NoteKind.EXPIRED, text, {"on": self.on.isoformat(), "entry": self.entry.value})


def expiries(spec: ClientSpec) -> tuple[Expiry, ...]:
    """Every entry of ``spec`` with an ``until`` (or a key whose user has one), in file order.

    Pointers index the spec's lists, which are the document's for a schema-valid file."""
    found: list[Expiry] = []
    ends: dict[str, date] = {}
    for index, user in enumerate(spec.users):
        address = str(Address(spec.id, Resource.USER, user=user.id))
        if user.until is not None:
            ends.setdefault(user.id, user.until)
            found.append(
                Expiry(Entry.USER, ("users", index), address, user.until, user.id, user.id)
            )
        for position, single in enumerate(user.grants.single):
            if single.until is not None:
                found.append(
                    Expiry(
                        Entry.SINGLE,
                        ("users", index, "authorizations", "single", position),
                        f"{address}/authorizations/{single.contract}",
                        single.until,
                        user.id,
                        single.contract,
                    )
                )
    for index, key in enumerate(spec.api_keys):
        address = str(Address(spec.id, Resource.API_KEY, key=key.name))
        owner_ends = ends.get(key.user)
        on, with_user = key.until, False
        if owner_ends is not None and (on is None or owner_ends < on):
            on, with_user = owner_ends, True
        if on is not None:
            at = ("api_keys", index)
            found.append(Expiry(Entry.API_KEY, at, address, on, key.user, key.name, with_user))
    return tuple(found)


@dataclass(frozen=True)
class InForce:
    """The declaration as it counts on a day, and the entries that have expired by then."""

    spec: ClientSpec
    expired: tuple[Expiry, ...]


def in_force(spec: ClientSpec, today: date | None) -> InForce:
    """``spec`` without the entries whose ``until`` is ``today`` or earlier (None: all count)."""
    expired = tuple(e for e in expiries(spec) if today is not None and e.expired(today))
    if not expired:
        return InForce(spec, ())
    gone = {e.pointer for e in expired}
    users = []
    for index, user in enumerate(spec.users):
        if ("users", index) in gone:
            continue
        at = ("users", index, "authorizations", "single")
        single = tuple(s for j, s in enumerate(user.grants.single) if (*at, j) not in gone)
        if len(single) != len(user.grants.single):
            user = replace(user, grants=replace(user.grants, single=single))
        users.append(user)
    keys = tuple(k for i, k in enumerate(spec.api_keys) if ("api_keys", i) not in gone)
    return InForce(replace(spec, users=tuple(users), api_keys=keys), expired)


def expiry_edits(expired: Sequence[Expiry]) -> tuple[Edit, ...]:
    """The removals that delete EXPIRED entries from their declaration (a key that ends with
    its user goes with the user)."""
    return tuple(Edit(Op.REMOVE, e.pointer) for e in expired)


def label_expired(changes: Sequence[Change], expired: Sequence[Expiry]) -> tuple[Change, ...]:
    """Each change of what an expired entry granted, with its 'expired on …' note; the rights
    of an expired user carry their user's note."""
    notes = {e.address: e.note() for e in expired}
    if not notes:
        return tuple(changes)
    labelled = []
    for change in changes:
        note = notes.get(change.address)
        if note is None and change.resource is Resource.AUTHORIZATION:
            note = notes.get(change.address.split("/authorizations/", 1)[0])
        labelled.append(change if note is None else replace(change, notes=(*change.notes, note)))
    return tuple(labelled)

"""The diff: desired (declaration + resolution) against actual (the bank) -> typed changes.

Everything is keyed by address and looked up in dicts, so a relationship is diffed in time
linear in its users and rights, never by scanning one list per element of another. The order
of the result is deterministic: users in declaration order, then users only the bank has (by
id); within a user its own record, its Admin right, its signing key, then its rights by
contract id; then deliveries by id and API keys by name.

Field detail of a user update is four flat fields compared one by one: deepdiff would not earn
its cost there, so it is not used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from reconcile.catalog import Catalog
from reconcile.isochange import change_note
from reconcile.model import (
    AdminRight,
    ApiKeySpec,
    ApiKeyState,
    ClientSpec,
    ClientState,
    DeliveriesSpec,
    Delivery,
    KeyState,
    UserSpec,
    UserState,
)
from reconcile.plan import Action, Address, Change, Note, NoteKind, Resource
from reconcile.resolve import ClientResolution, EffectiveRight, UserResolution, declared_users

USER_FIELDS = ("name", "email", "language", "github")
ADMIN_FORM = "assignment/change of the electronic Admin right"
ADMIN_NOTE = Note(
    NoteKind.ADMIN_FORM,
    f'the bank changes the Admin right only on the signed form "{ADMIN_FORM}"; '
    "apply pre-fills it for signature",
    {"form": ADMIN_FORM},
)
KEY_ISSUE_NOTE = Note(
    NoteKind.KEY_ISSUE,
    "the bank shows a new key once; apply hands it to the secret sink, never the plan",
)
FALLBACK_PREFIX = "fallback: "  # resolve words its fallback notes for explain, kind included

LastApplied = Mapping[str, Mapping[str, Any] | None]  # address -> what the last order set there


def diff_client(
    spec: ClientSpec,
    resolution: ClientResolution,
    state: ClientState,
    catalog: Catalog,
    last_applied: LastApplied,
    today: date | None = None,
) -> tuple[Change, ...]:
    """Every change that brings ``state`` to the declaration, drift-labelled, in plan order.

    ``today`` is the day keys are judged on for rotation (None: no rotation by expiry)."""
    differ = _Differ(spec.id, catalog, today)
    bank_users = {user.id: user for user in state.users}
    declared = declared_users(spec)
    changes: list[Change] = []
    for user_id, user in declared.items():
        changes.extend(
            differ.declared_user(
                user, spec.language, resolution.users[user_id], bank_users.get(user_id)
            )
        )
    for user_id in sorted(bank_users.keys() - declared.keys()):
        changes.extend(differ.removed_user(bank_users[user_id]))
    changes.extend(differ.deliveries(spec.deliveries, state.deliveries))
    deleted = frozenset(bank_users.keys() - declared.keys())
    changes.extend(differ.api_keys(spec.api_keys, state.api_keys, deleted))
    return tuple(_with_drift(change, last_applied) for change in changes)


class _Differ:
    def __init__(self, client: str, catalog: Catalog, today: date | None = None):
        self.client = client
        self.catalog = catalog
        self.today = today
        self.rotate_within = catalog.rotate_before_days

    # --- users and their rights ------------------------------------------------------------

    def declared_user(
        self, user: UserSpec, client_language: str, wanted: UserResolution, bank: UserState | None
    ) -> Iterator[Change]:
        address = self._address(Resource.USER, user=user.id)
        desired = {
            "name": user.name,
            "email": user.email,
            "language": user.language or client_language,
            "github": user.github,
        }
        held_admin, held_rights = AdminRight.NONE, {}
        if bank is None:
            yield Change(address, Action.CREATE, Resource.USER, None, desired)
        else:
            held_admin, held_rights = bank.admin, bank.authorizations
            current = _user_fields(bank)
            changed = [name for name in USER_FIELDS if current[name] != desired[name]]
            if changed:
                note = Note(NoteKind.FIELDS, f"changed {', '.join(changed)}", {"fields": changed})
                yield Change(address, Action.UPDATE, Resource.USER, current, desired, (note,))
        if user.admin != held_admin:
            yield Change(
                self._address(Resource.ADMIN_RIGHT, user=user.id),
                Action.MANUAL,
                Resource.ADMIN_RIGHT,
                {"admin": held_admin},
                {"admin": user.admin},
                (ADMIN_NOTE,),
            )
        held_key = None if bank is None else bank.signing_key
        if user.signing_key != held_key:
            yield self._signing_key(user.id, held_key, user.signing_key)
        yield from self._rights(address, wanted, held_rights)

    def _signing_key(self, user: str, held: str | None, wanted: str | None) -> Change:
        """The public key the bank verifies the user's signed approvals with: a change of it is
        planned and approved like any other, so no declaration can vouch for a signature."""
        action = (
            Action.CREATE if held is None else Action.DELETE if wanted is None else Action.UPDATE
        )
        return Change(
            self._address(Resource.SIGNING_KEY, user=user),
            action,
            Resource.SIGNING_KEY,
            None if held is None else {"public_key": held},
            None if wanted is None else {"public_key": wanted},
        )

    def removed_user(self, bank: UserState) -> Iterator[Change]:
        """A user only the bank has: deleted, with every right, in the same change set."""
        notes = (
            ()
            if bank.admin is AdminRight.NONE
            else (
                Note(
                    NoteKind.ADMIN_ENDS,
                    f"the user's Admin right ({bank.admin}) ends",
                    {"admin": bank.admin.value},
                ),
            )
        )
        address = self._address(Resource.USER, user=bank.id)
        yield Change(address, Action.DELETE, Resource.USER, _user_fields(bank), None, notes)
        for contract in sorted(bank.authorizations):
            yield _right(address, contract, Action.DELETE, bank.authorizations[contract], None)

    def _rights(
        self, user_address: str, wanted: UserResolution, held: Mapping[str, str]
    ) -> Iterator[Change]:
        for contract in sorted(wanted.rights.keys() | held.keys()):
            right, profile = wanted.rights.get(contract), held.get(contract)
            if right is None:
                dropped = wanted.dropped.get(contract)
                notes = (_dropped_note(dropped),) if dropped else ()
                yield _right(user_address, contract, Action.DELETE, profile, None, notes)
                continue
            fallback = (_fallback_note(right),) if right.fallback else ()
            if profile is None:
                yield _right(user_address, contract, Action.CREATE, None, right.profile, fallback)
            elif profile != right.profile:
                notes = (self._direction(profile, right.profile), *fallback)
                yield _right(user_address, contract, Action.UPDATE, profile, right.profile, notes)

    def _direction(self, before: str, after: str) -> Note:
        """A raise or a lowering by the catalog's ladder."""
        ladder = self.catalog.profiles
        if before not in ladder or after not in ladder:  # a profile a custom catalog dropped
            kind = NoteKind.UNRANKED
        elif self.catalog.rank(after) < self.catalog.rank(before):
            kind = NoteKind.RAISE
        else:
            kind = NoteKind.LOWER
        return Note(kind, f"{before} -> {after}", {"before": before, "after": after})

    # --- deliveries and keys ---------------------------------------------------------------

    def deliveries(self, wanted: DeliveriesSpec, held: Sequence[Delivery]) -> Iterator[Change]:
        """The ISO version of camt deliveries; PDF deliveries (no ISO version) never change."""
        overrides = {override.delivery: override.iso_version for override in wanted.overrides}
        for delivery in sorted(held, key=lambda d: d.id):
            if delivery.iso_version is None:
                continue
            version = overrides.get(delivery.id, wanted.iso_version)
            if version is None or version == delivery.iso_version:
                continue
            before = {
                "iso_version": delivery.iso_version,
                "kind": delivery.kind,
                "contract": delivery.contract,
            }
            yield Change(
                self._address(Resource.DELIVERY, delivery=delivery.id),
                Action.UPDATE,
                Resource.DELIVERY,
                before,
                {"iso_version": version},
                (*self._pairing(version), *filter(None, [change_note(delivery)])),
            )

    def _pairing(self, version: str) -> tuple[Note, ...]:
        generation = self.catalog.iso_versions.get(version)
        if generation is None:  # an unknown version is reported by the checks (EF117)
            return ()
        pain = list(generation.pain)
        text = f"ISO {version}: {generation.camt}, pairs with {' and '.join(pain)}"
        data = {"iso_version": version, "camt": generation.camt, "pain": pain}
        return (Note(NoteKind.ISO_PAIRING, text, data),)

    def api_keys(
        self,
        wanted: Sequence[ApiKeySpec],
        held: Sequence[ApiKeyState],
        deleted_users: frozenset[str] = frozenset(),
    ) -> Iterator[Change]:
        """Keys by name; the plan carries owners and fingerprints, never a secret.

        A key is replaced (a new one issued, then the old one revoked) when its owner changes,
        when it expires within the catalog's ``rotate_before_days`` of ``today``, when it is
        declared ``rotate: true`` (once: a key issued today is not rotated again), or when the
        bank holds it inactive: an apply died between issuing it and handing its secret on.
        """
        declared: dict[str, ApiKeySpec] = {}
        for key in wanted:
            declared.setdefault(key.name, key)  # a duplicate name is reported (EF115)
        existing: dict[str, list[ApiKeyState]] = {}
        for key in held:
            existing.setdefault(key.name, []).append(key)
        for name in sorted(declared.keys() | existing.keys()):
            want, rows = declared.get(name), existing.get(name, [])
            active = sorted((k for k in rows if k.state is KeyState.ACTIVE), key=_issued)
            have = active[-1] if active else (sorted(rows, key=_issued)[-1] if rows else None)
            address = self._address(Resource.API_KEY, key=name)
            if have is None:
                after = {"user": want.user}
                yield Change(
                    address, Action.CREATE, Resource.API_KEY, None, after, (KEY_ISSUE_NOTE,)
                )
            elif want is None:
                notes: tuple[Note, ...] = ()
                if have.user in deleted_users:
                    notes = (
                        Note(
                            NoteKind.KEY_REVOKED,
                            f"revoked with its user {have.user}, whom this plan deletes",
                            {"user": have.user, "with_user": True},
                        ),
                    )
                yield Change(
                    address, Action.DELETE, Resource.API_KEY, _key_fields(have), None, notes
                )
            else:
                notes = self._rotation(want, have)
                if notes:
                    after = {"user": want.user}
                    yield Change(
                        address,
                        Action.REPLACE,
                        Resource.API_KEY,
                        _key_fields(have),
                        after,
                        (*notes, KEY_ISSUE_NOTE),
                    )

    def _rotation(self, want: ApiKeySpec, have: ApiKeyState) -> tuple[Note, ...]:
        """Why the held key gives way to a new one; () when it stays."""
        notes = []
        if want.user != have.user:
            notes.append(
                Note(
                    NoteKind.KEY_REVOKED,
                    f"the key of {have.user} is revoked and a new one issued",
                    {"user": have.user},
                )
            )
        if have.state is KeyState.INACTIVE:
            notes.append(
                Note(
                    NoteKind.KEY_ROTATION,
                    "the bank holds this key inactive: an apply stopped before its secret "
                    "reached the sink; it is revoked and a new key issued",
                    {"reason": "inactive"},
                )
            )
        elif self.today is not None and (have.expires - self.today).days <= self.rotate_within:
            notes.append(
                Note(
                    NoteKind.KEY_ROTATION,
                    f"expires on {have.expires.isoformat()}, within the "
                    f"{self.rotate_within} days before expiry when keys are rotated: a new "
                    "key is issued and activated, then the old one revoked",
                    {
                        "reason": "expiry",
                        "expires": have.expires.isoformat(),
                        "rotate_before_days": self.rotate_within,
                    },
                )
            )
        elif want.rotate and (self.today is None or have.created < self.today):
            notes.append(
                Note(
                    NoteKind.KEY_ROTATION,
                    "declared rotate: true: a new key is issued and activated, then the old "
                    "one revoked (remove rotate: true once applied)",
                    {"reason": "declared"},
                )
            )
        return tuple(notes)

    def _address(self, resource: Resource, **parts: str) -> str:
        return str(Address(self.client, resource, **parts))


def _right(
    user_address: str,
    contract: str,
    action: Action,
    before: str | None,
    after: str | None,
    notes: tuple[Note, ...] = (),
) -> Change:
    """A change of one right. Its address is Address's ``USER/authorizations/CONTRACT``, built
    on the user's address: an Address object per right would cost a third of a large diff."""
    return Change(
        f"{user_address}/authorizations/{contract}",
        action,
        Resource.AUTHORIZATION,
        None if before is None else {"profile": before},
        None if after is None else {"profile": after},
        notes,
    )


def _fallback_note(right: EffectiveRight) -> Note:
    text = right.fallback.removeprefix(FALLBACK_PREFIX)
    return Note(NoteKind.FALLBACK, text, {"requested": right.requested, "assigned": right.profile})


def _dropped_note(right: EffectiveRight) -> Note:
    """Why a held right goes: the fallback left nothing, an ``exclude``, or ``profile: none``."""
    if right.fallback is not None:
        return _fallback_note(right)
    data = {"requested": right.requested, "excluded_by": right.excluded_by}
    return Note(NoteKind.DROPPED, right.reason, data)


def _user_fields(user: UserState) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "language": user.language,
        "github": user.github,
    }


def _key_fields(key: ApiKeyState) -> dict[str, Any]:
    fields = {"user": key.user, "fingerprint": key.fingerprint, "expires": key.expires.isoformat()}
    if key.state is KeyState.INACTIVE:
        fields["state"] = key.state.value
    return fields


def _issued(key: ApiKeyState) -> tuple:
    return (key.created, key.fingerprint)


# --- drift ----------------------------------------------------------------------------------


def _with_drift(change: Change, last_applied: LastApplied) -> Change:
    """The change labelled when the bank moved away from what the last applied plan set."""
    if change.address not in last_applied or _explained(change):
        return change
    note = _drift_note(change.before, last_applied[change.address])
    return change if note is None else replace(change, drift=True, notes=(*change.notes, note))


def _explained(change: Change) -> bool:
    """A change of what the bank itself switched (automatic ISO version change) is no drift."""
    return any(note.kind is NoteKind.AUTOMATIC_ISO_CHANGE for note in change.notes)


def _drift_note(bank: Mapping[str, Any] | None, applied: Mapping[str, Any] | None) -> Note | None:
    """Only the fields the last applied plan set are compared: the rest it never claimed.

    ``data`` holds those fields on both sides; a side is null where nothing is (or was set)."""
    if applied is None:
        if bank is None:
            return None
        has, did, names = _values(bank, list(bank)), "deleted it", list(bank)
    elif bank is None:
        names = list(applied)
        has, did = "nothing there", f"set {_values(applied, names)}"
    else:
        names = [name for name in applied if bank.get(name) != applied[name]]
        if not names:
            return None
        has, did = _values(bank, names), f"set {_values(applied, names)}"
    data = {
        "bank": None if bank is None else {name: bank.get(name) for name in names},
        "applied": None if applied is None else {name: applied[name] for name in names},
    }
    return Note(NoteKind.DRIFT, f"the bank has {has}, the last applied plan {did}", data)


def _values(values: Mapping[str, Any], names: Sequence[str]) -> str:
    """``profile read`` / ``email a@b.ch and no github``."""
    return " and ".join(
        f"no {name}" if values.get(name) is None else f"{name} {values[name]}" for name in names
    )

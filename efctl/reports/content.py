"""What the two customer reports show, as typed, language-free data (DOMAIN.md section 7).

The authorisation report holds the relationship's signatories (powers of attorney), its users
with the Admin right and every effective authorisation; the deliveries report every active
delivery with its full ISO message identifier. Made from a plan (``--from-plan``), both show the
state *after* the plan's electronic changes, each row saying what the plan changes and, for a
right, how the declaration makes it arise (all, copy, single, fallback).

Rows hold codes (profiles, contract types, kinds), never words: the PDF translates them, and
:meth:`Report.digest` is the SHA-256 of the canonical JSON of this data, so the four language
versions of one bank state carry the same digest. The digest covers what the report states
(relationship, serial, plan, rows), not its presentation (language, as-of moment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from reconcile.catalog import Catalog
from reconcile.model import AdminRight, ClientState, Delivery
from reconcile.plan import Action, Address, Change, Resource, canonical_json, sha256_of
from reconcile.resolve import ClientResolution, EffectiveRight, Step

AUTHORIZATIONS, DELIVERIES = "authorizations", "deliveries"
KINDS = (AUTHORIZATIONS, DELIVERIES)
FILE_NAME = "{kind}-{client}-{language}.pdf"


@dataclass(frozen=True)
class AsOf:
    """The moment a report is for: a day (the bank state as of settings.today), or a moment to
    the second (SOURCE_DATE_EPOCH, or the time the bank processed an ordered document)."""

    moment: datetime  # aware, UTC
    with_time: bool

    @property
    def day(self) -> date:
        return self.moment.date()


@dataclass(frozen=True)
class SignatoryRow:
    name: str
    signature: str  # individual | collective


@dataclass(frozen=True)
class AdminRow:
    user: str
    name: str
    admin: str  # individual | collective
    requested: str | None = None  # a plan's manual Admin-right change (on the paper form)


@dataclass(frozen=True)
class Origin:
    """How a declared right arises: the step (all, copy_from, single), the contract type an
    ``all`` matched or the user copied from, and the profile asked for when the fallback rule
    assigned a lower one."""

    step: str
    key: str | None = None
    fallback_from: str | None = None


@dataclass(frozen=True)
class RightChange:
    action: str  # create | update | delete
    before: str | None = None  # the profile before (update, delete)


@dataclass(frozen=True)
class RightRow:
    user: str
    user_name: str
    contract: str
    contract_name: str
    contract_type: str
    profile: str  # after the plan; for a deleted right, the profile it had
    origin: Origin | None = None
    change: RightChange | None = None


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    contract: str
    contract_name: str
    kind: str
    variant: str | None
    channel: str
    frequency: str
    iso_version: str | None
    message: str | None  # the full ISO message identifier, camt.053.001.08
    automatic_change: bool  # still on a version whose parallel phase has ended
    before: str | None = None  # a plan's ISO change: the message identifier before
    switched_on: date | None = None  # the bank's automatic ISO version change switched it
    switched_from: str | None = None  # ... from this message identifier


@dataclass(frozen=True)
class Report:
    kind: str  # authorizations | deliveries
    client: str
    name: str
    language: str
    serial: int
    as_of: AsOf
    plan_id: str | None = None
    signatories: tuple[SignatoryRow, ...] = ()
    admins: tuple[AdminRow, ...] = ()
    rights: tuple[RightRow, ...] = ()
    deliveries: tuple[DeliveryRow, ...] = ()
    parallel_phase_end: date | None = None
    successor: str | None = None  # the ISO version the bank changes to automatically
    users: int = field(default=0)

    def data(self) -> dict[str, Any]:
        """What the report states, without its presentation (language, as-of)."""
        data = asdict(self)
        for presentation in ("language", "as_of"):
            data.pop(presentation)
        if data["parallel_phase_end"] is not None:
            data["parallel_phase_end"] = data["parallel_phase_end"].isoformat()
        for delivery in data["deliveries"]:
            if delivery["switched_on"] is not None:
                delivery["switched_on"] = delivery["switched_on"].isoformat()
        return data

    @cached_property
    def digest(self) -> str:
        """``sha256:`` and the hex digest of the canonical JSON of :meth:`data`."""
        return sha256_of(canonical_json(self.data()))


def file_name(report: Report) -> str:
    """authorizations-20145853-it.pdf: the report, the relationship, the language."""
    return FILE_NAME.format(kind=report.kind, client=report.client, language=report.language)


def authorization_report(
    state: ClientState,
    language: str,
    as_of: AsOf,
    *,
    changes: Sequence[Change] = (),
    resolution: ClientResolution | None = None,
    plan_id: str | None = None,
) -> Report:
    """The authorisation report of ``state``; with a plan's ``changes`` (and the declarations'
    ``resolution``), of the state after them."""
    contracts = {contract.id: contract for contract in state.contracts}
    users = {user.id: (user.name, dict(user.authorizations)) for user in state.users}
    admins = {user.id: user.admin for user in state.users if user.admin is not AdminRight.NONE}
    requested: dict[str, str] = {}
    right_changes: dict[tuple[str, str], RightChange] = {}
    for change in changes:
        address = Address.parse(change.address)
        if change.resource is Resource.USER and change.action is Action.CREATE:
            users[address.user] = ((change.after or {}).get("name", address.user), {})
        elif change.resource is Resource.USER and change.action is Action.UPDATE:
            name = (change.after or {}).get("name")
            if name and address.user in users:
                users[address.user] = (name, users[address.user][1])
        elif change.resource is Resource.ADMIN_RIGHT and change.action is Action.MANUAL:
            requested[address.user] = (change.after or {}).get("admin", AdminRight.NONE)
        elif change.resource is Resource.AUTHORIZATION:
            key = (address.user, address.contract)
            before = (change.before or {}).get("profile")
            right_changes[key] = RightChange(change.action.value, before)
            held = users.setdefault(address.user, (address.user, {}))[1]
            if change.action is Action.DELETE:
                held[address.contract] = before or ""
            else:
                held[address.contract] = change.after["profile"]
    rights = []
    for user_id, (user_name, held) in sorted(users.items()):
        for contract_id in sorted(held, key=lambda c: _contract_order(contracts, c)):
            contract = contracts.get(contract_id)
            rights.append(
                RightRow(
                    user=user_id,
                    user_name=user_name,
                    contract=contract_id,
                    contract_name=contract.name if contract else "",
                    contract_type=contract.type if contract else "",
                    profile=held[contract_id],
                    origin=_origin(resolution, user_id, contract_id),
                    change=right_changes.get((user_id, contract_id)),
                )
            )
    admin_rows = [
        AdminRow(user, users[user][0] if user in users else user, right, requested.get(user))
        for user, right in sorted(admins.items())
    ]
    admin_rows += [
        AdminRow(user, users[user][0] if user in users else user, AdminRight.NONE, right)
        for user, right in sorted(requested.items())
        if user not in admins
    ]
    return Report(
        kind=AUTHORIZATIONS,
        client=state.id,
        name=state.name,
        language=language,
        serial=state.serial,
        as_of=as_of,
        plan_id=plan_id,
        signatories=tuple(SignatoryRow(s.name, s.signature) for s in state.signatories),
        admins=tuple(admin_rows),
        rights=tuple(rights),
        users=len(users),
    )


def deliveries_report(
    state: ClientState,
    catalog: Catalog,
    language: str,
    as_of: AsOf,
    *,
    changes: Sequence[Change] = (),
    plan_id: str | None = None,
) -> Report:
    """The deliveries report of ``state`` (after a plan's ISO changes, when given); a delivery
    still on a version whose parallel phase ended before the as-of day is marked for the
    bank's automatic ISO version change, and one the bank has switched says when and from
    what."""
    iso_changes = {
        Address.parse(change.address).delivery: change.after["iso_version"]
        for change in changes
        if change.resource is Resource.DELIVERY
        and change.action is Action.UPDATE
        and "iso_version" in (change.after or {})
    }
    contracts = {contract.id: contract for contract in state.contracts}
    versions = list(catalog.iso_versions)
    successor = versions[-1] if versions else None
    ended = as_of.day > catalog.parallel_phase_end
    rows = []
    for delivery in state.deliveries:
        version = iso_changes.get(delivery.id, delivery.iso_version)
        contract = contracts.get(delivery.contract)
        rows.append(
            DeliveryRow(
                id=delivery.id,
                contract=delivery.contract,
                contract_name=contract.name if contract else "",
                kind=delivery.kind,
                variant=delivery.variant,
                channel=delivery.channel,
                frequency=delivery.frequency,
                iso_version=version,
                message=message_identifier(delivery, version, catalog),
                automatic_change=ended and version is not None and version != successor,
                before=(
                    message_identifier(delivery, delivery.iso_version, catalog)
                    if delivery.id in iso_changes and version != delivery.iso_version
                    else None
                ),
                switched_on=delivery.switched_on,
                switched_from=message_identifier(delivery, delivery.switched_from, catalog),
            )
        )
    return Report(
        kind=DELIVERIES,
        client=state.id,
        name=state.name,
        language=language,
        serial=state.serial,
        as_of=as_of,
        plan_id=plan_id,
        deliveries=tuple(rows),
        parallel_phase_end=catalog.parallel_phase_end,
        successor=successor,
    )


def message_identifier(delivery: Delivery, version: str | None, catalog: Catalog) -> str | None:
    """The full ISO 20022 message identifier of a camt delivery on ``version``: the catalog
    names a generation's camt family (camt.05x.001.08), the kind says which message
    (camt.053), together camt.053.001.08. None for the PDF kinds."""
    generation = catalog.iso_versions.get(version) if version else None
    if generation is None or not delivery.kind.startswith("camt."):
        return None
    family, _, edition = generation.camt.partition(".001.")
    return f"{delivery.kind}.001.{edition}" if family else None


def _contract_order(contracts: Mapping[str, Any], contract_id: str) -> tuple[int, str]:
    """Contracts in the bank's order (by id); one the bank no longer holds last."""
    return (0 if contract_id in contracts else 1, contract_id)


def _origin(resolution: ClientResolution | None, user: str, contract: str) -> Origin | None:
    if resolution is None or user not in resolution.users:
        return None
    right: EffectiveRight | None = resolution.users[user].rights.get(contract)
    if right is None:
        return None
    source = right.source
    key = source.key
    fallback_from = right.requested if right.fallback is not None else None
    if source.step is Step.SINGLE:
        key = None
    return Origin(source.step.value, key, fallback_from)

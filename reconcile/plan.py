"""The plan: a frozen, versioned record of what apply will do, and the contract every view reads.

``plan_id`` is the sha256 of the canonical JSON body (sorted keys, no timestamps, no id), so the
same declarations against the same bank state always give the same id, and any edit of a saved
plan file is detected before apply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from reconcile.diagnostics import Diagnostic, Severity

# 4: the approval names its checkers and risk tier; 3: eligible admins are {user, github};
# 2: notes are {kind, text, data}
FORMAT_VERSION = "4"
OLDER_FORMATS = ("1", "2", "3")


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    MANUAL = "manual"  # the bank changes it only on paper or through the client advisor


class Resource(StrEnum):
    USER = "user"
    AUTHORIZATION = "authorization"
    ADMIN_RIGHT = "admin_right"
    SIGNING_KEY = "signing_key"  # the SSH public key a user's signed approvals verify against
    DELIVERY = "delivery"
    API_KEY = "api_key"


class NoteKind(StrEnum):
    """What a note says, so that views choose how to show it without reading its text."""

    FALLBACK = "fallback"  # the bank assigns a lower profile; data: requested, assigned
    RAISE = "raise"  # a right goes up the catalog's ladder; data: before, after
    LOWER = "lower"  # ... or down; data: before, after
    UNRANKED = "unranked"  # a profile the catalog no longer ranks; data: before, after
    FIELDS = "fields"  # a user's personal data changes; data: fields
    DROPPED = "dropped"  # excluded or set to none; data: requested, excluded_by
    DRIFT = "drift"  # the bank moved from the last applied plan; data: bank, applied
    ADMIN_FORM = "admin_form"  # the Admin right changes on the bank's signed form; data: form
    ADMIN_ENDS = "admin_ends"  # a deleted user's Admin right ends with them; data: admin
    ISO_PAIRING = "iso_pairing"  # what an ISO version pairs with; data: iso_version, camt, pain
    KEY_ISSUE = "key_issue"  # a new API key's secret goes to the secret sink; no data
    KEY_REVOKED = "key_revoked"  # the old owner's key is revoked; data: user (, with_user)
    # why a key is replaced: data: reason (expiry | declared | inactive), expires,
    # rotate_before_days
    KEY_ROTATION = "key_rotation"
    # The bank switched deliveries to the newest ISO version on its own after the parallel
    # phase; data: on, iso_version, deliveries (each {delivery, kind, from})
    AUTOMATIC_ISO_CHANGE = "automatic_iso_change"
    EXPIRED = "expired"  # a time-boxed entry's until has come; data: on, entry


@dataclass(frozen=True)
class Note:
    """Why a change is what it is, or what else it needs: the facts in ``data``, a sentence in
    ``text`` (without the kind: views put the kind's label before it where they show one)."""

    kind: NoteKind
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Note:
        return cls(NoteKind(data["kind"]), data["text"], data["data"])

    def to_json(self) -> dict:
        return {"kind": self.kind.value, "text": self.text, "data": dict(self.data)}


@dataclass(frozen=True)
class Change:
    address: str  # "10432210/users/bruno.keller/authorizations/CH56…"
    action: Action
    resource: Resource
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    notes: tuple[Note, ...] = ()
    drift: bool = False  # the bank moved away from what the last applied plan set

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """A change in its JSON form, already known to be schema-valid."""
        return cls(
            address=data["address"],
            action=Action(data["action"]),
            resource=Resource(data["resource"]),
            before=data.get("before"),
            after=data.get("after"),
            notes=tuple(Note.from_json(note) for note in data.get("notes", ())),
            drift=data.get("drift", False),
        )

    def to_json(self) -> dict:
        return {
            "address": self.address,
            "action": self.action.value,
            "resource": self.resource.value,
            "before": dict(self.before) if self.before is not None else None,
            "after": dict(self.after) if self.after is not None else None,
            "notes": [note.to_json() for note in self.notes],
            "drift": self.drift,
        }


def canonical_json(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()


# The day the plan judged API keys on (their days left) is shown, not hashed: a plan reviewed
# on one day still applies on the next, when planning then gives the same changes.
UNHASHED_KEYS = ("plan_id", "created_at", "as_of")


def plan_id_of(plan_json: Mapping[str, Any]) -> str:
    """The id of a plan document: the digest of everything but the id and the timestamp."""
    body = {k: v for k, v in plan_json.items() if k not in UNHASHED_KEYS}
    return sha256_of(canonical_json(body))


@dataclass(frozen=True)
class EligibleAdmin:
    """An admin whose approval counts: the e-finance user and the GitHub login that reviews."""

    user: str
    github: str | None


@dataclass(frozen=True)
class TierReason:
    """One change (or the count of changes) that puts a relationship in its risk tier."""

    rule: str  # the catalog's rule in words: "raise to sign_individual on account"
    address: str | None  # the change; None for a rule about the count of changes
    text: str  # what the change does: "bruno.keller: CH93… (account) read -> sign_individual"

    def to_json(self) -> dict:
        return {"rule": self.rule, "address": self.address, "text": self.text}


@dataclass(frozen=True)
class TierVerdict:
    """The relationship's risk tier (reconcile.tiers) and the checkers it needs in all."""

    tier: int
    checkers: int  # reviewers who are not the author: the base rule's one plus the tier's
    reasons: tuple[TierReason, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TierVerdict:
        reasons = (TierReason(r["rule"], r["address"], r["text"]) for r in data["reasons"])
        return cls(data["tier"], data["checkers"], tuple(reasons))

    def to_json(self) -> dict:
        return {
            "tier": self.tier,
            "checkers": self.checkers,
            "reasons": [reason.to_json() for reason in self.reasons],
        }


@dataclass(frozen=True)
class Approval:
    rule: str
    eligible_admins: tuple[EligibleAdmin, ...]
    checkers: int = 1  # reviewers who are not the author, at least (the base rule: one)
    tier: TierVerdict | None = None  # the risk tier that asks for more, if any


@dataclass(frozen=True)
class ClientPlan:
    client: str
    name: str
    serial: int
    changes: tuple[Change, ...]
    approval: Approval
    # What the bank changed on its own (the automatic ISO version change), which no change
    # of this plan undoes; in the JSON only when there is something to say.
    notes: tuple[Note, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClientPlan:
        approval = data["approval"]
        return cls(
            client=data["client"],
            name=data["name"],
            serial=data["serial"],
            changes=tuple(Change.from_json(change) for change in data["changes"]),
            notes=tuple(Note.from_json(note) for note in data.get("notes", ())),
            approval=Approval(
                approval["rule"],
                tuple(EligibleAdmin(a["user"], a["github"]) for a in approval["eligible_admins"]),
                approval["checkers"],
                TierVerdict.from_json(approval["tier"]) if approval["tier"] else None,
            ),
        )

    def to_json(self) -> dict:
        body = {
            "client": self.client,
            "name": self.name,
            "serial": self.serial,
            "changes": [c.to_json() for c in self.changes],
            "approval": {
                "rule": self.approval.rule,
                "eligible_admins": [
                    {"user": a.user, "github": a.github} for a in self.approval.eligible_admins
                ],
                "checkers": self.approval.checkers,
                "tier": self.approval.tier.to_json() if self.approval.tier else None,
            },
        }
        if self.notes:
            body["notes"] = [note.to_json() for note in self.notes]
        return body


@dataclass(frozen=True)
class Plan:
    """The whole plan. ``created_at`` is None until the plan is made into a document (planning
    is pure: the caller stamps the time) or when read from one."""

    clients: tuple[ClientPlan, ...]
    commit: str | None
    inputs_digest: str
    options: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    created_at: str | None = None
    as_of: str | None = None  # ISO day the bank's keys were judged on (days left, rotation)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        """A plan document, already known to be schema-valid (``to_json`` gives it back)."""
        return cls(
            clients=tuple(ClientPlan.from_json(client) for client in data["clients"]),
            commit=data["source"]["commit"],
            inputs_digest=data["source"]["inputs_digest"],
            options=dict(data["options"]),
            diagnostics=tuple(diagnostic_from_json(d) for d in data["diagnostics"]),
            created_at=data["created_at"],
            as_of=data.get("as_of"),
        )

    @cached_property
    def plan_id(self) -> str:
        return plan_id_of(self._body())

    @property
    def has_changes(self) -> bool:
        return any(client.changes for client in self.clients)

    def client(self, client_id: str) -> ClientPlan | None:
        return next((c for c in self.clients if c.client == client_id), None)

    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for client in self.clients:
            for change in client.changes:
                counts[change.action.value] += 1
        return counts

    def to_json(self, created_at: str | None = None) -> dict:
        """The plan document; ``created_at`` stamps a plan that has no time yet."""
        stamp = created_at or self.created_at
        if stamp is None:
            raise ValueError("a plan document needs its creation time")
        head = {"plan_id": self.plan_id, "format_version": FORMAT_VERSION, "created_at": stamp}
        if self.as_of is not None:
            head["as_of"] = self.as_of
        return {**head, **self._body()}  # the body's keys follow the head's, in their order

    def _body(self) -> dict:
        """Everything the plan id is the digest of."""
        return {
            "format_version": FORMAT_VERSION,
            "source": {"commit": self.commit, "inputs_digest": self.inputs_digest},
            "options": dict(self.options),
            "clients": [c.to_json() for c in self.clients],
            "summary": self.summary(),
            "diagnostics": [diagnostic_json(d) for d in self.diagnostics],
        }


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """A diagnostic in the plan's JSON form (the pointer is already resolved to file:line:col)."""
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "file": diagnostic.file,
        "line": diagnostic.line,
        "col": diagnostic.col,
    }


def diagnostic_from_json(data: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(
        data["code"],
        Severity(data["severity"]),
        data["message"],
        data["hint"],
        file=data["file"],
        line=data["line"],
        col=data["col"],
    )


# --- addresses: one string per resource, stable across plans --------------------------


@dataclass(frozen=True)
class Address:
    """A parsed address; exactly the fields its resource needs are set."""

    client: str
    resource: Resource
    user: str | None = None
    contract: str | None = None
    delivery: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        match self.resource:
            case Resource.USER:
                return f"{self.client}/users/{self.user}"
            case Resource.AUTHORIZATION:
                return f"{self.client}/users/{self.user}/authorizations/{self.contract}"
            case Resource.ADMIN_RIGHT:
                return f"{self.client}/users/{self.user}/admin"
            case Resource.SIGNING_KEY:
                return f"{self.client}/users/{self.user}/signing_key"
            case Resource.DELIVERY:
                return f"{self.client}/deliveries/{self.delivery}"
            case Resource.API_KEY:
                return f"{self.client}/api_keys/{self.key}"

    @classmethod
    def parse(cls, address: str) -> Address:
        parts = address.split("/")
        match parts:
            case [client, "users", user]:
                return cls(client, Resource.USER, user=user)
            case [client, "users", user, "authorizations", contract]:
                return cls(client, Resource.AUTHORIZATION, user=user, contract=contract)
            case [client, "users", user, "admin"]:
                return cls(client, Resource.ADMIN_RIGHT, user=user)
            case [client, "users", user, "signing_key"]:
                return cls(client, Resource.SIGNING_KEY, user=user)
            case [client, "deliveries", delivery]:
                return cls(client, Resource.DELIVERY, delivery=delivery)
            case [client, "api_keys", key]:
                return cls(client, Resource.API_KEY, key=key)
        raise ValueError(f"not an efctl address: {address!r}")

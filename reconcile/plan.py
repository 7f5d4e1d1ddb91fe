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
from typing import Any

FORMAT_VERSION = "1"


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
    DELIVERY = "delivery"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Change:
    address: str  # "10432210/users/bruno.keller/authorizations/CH56…"
    action: Action
    resource: Resource
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    notes: tuple[str, ...] = ()
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
            notes=tuple(data.get("notes", ())),
            drift=data.get("drift", False),
        )

    def to_json(self) -> dict:
        return {
            "address": self.address,
            "action": self.action.value,
            "resource": self.resource.value,
            "before": dict(self.before) if self.before is not None else None,
            "after": dict(self.after) if self.after is not None else None,
            "notes": list(self.notes),
            "drift": self.drift,
        }


def canonical_json(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()


UNHASHED_KEYS = ("plan_id", "created_at")


def plan_id_of(plan_json: Mapping[str, Any]) -> str:
    """The id of a plan document: the digest of everything but the id and the timestamp."""
    body = {k: v for k, v in plan_json.items() if k not in UNHASHED_KEYS}
    return sha256_of(canonical_json(body))


@dataclass(frozen=True)
class Approval:
    rule: str
    eligible_admins: tuple[str, ...]


@dataclass(frozen=True)
class ClientPlan:
    client: str
    name: str
    serial: int
    changes: tuple[Change, ...]
    approval: Approval
    diagnostics: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict:
        return {
            "client": self.client,
            "name": self.name,
            "serial": self.serial,
            "changes": [c.to_json() for c in self.changes],
            "approval": {
                "rule": self.approval.rule,
                "eligible_admins": list(self.approval.eligible_admins),
            },
        }


@dataclass(frozen=True)
class Plan:
    clients: tuple[ClientPlan, ...]
    commit: str | None
    inputs_digest: str
    options: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[Mapping[str, Any], ...] = ()

    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for client in self.clients:
            for change in client.changes:
                counts[change.action.value] += 1
        return counts

    def to_json(self, created_at: str) -> dict:
        document = {
            "format_version": FORMAT_VERSION,
            "created_at": created_at,
            "source": {"commit": self.commit, "inputs_digest": self.inputs_digest},
            "options": dict(self.options),
            "clients": [c.to_json() for c in self.clients],
            "summary": self.summary(),
            "diagnostics": [dict(d) for d in self.diagnostics],
        }
        return {"plan_id": plan_id_of(document), **document}


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
            case [client, "deliveries", delivery]:
                return cls(client, Resource.DELIVERY, delivery=delivery)
            case [client, "api_keys", key]:
                return cls(client, Resource.API_KEY, key=key)
        raise ValueError(f"not an efctl address: {address!r}")

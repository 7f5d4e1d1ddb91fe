"""Frozen data: what a declaration asks for (``*Spec``) and what the bank has (``*State``).

Profiles, contract types and ISO versions are plain strings whose meaning comes from the
:class:`reconcile.catalog.Catalog`, so a catalog change never needs a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

NO_PROFILE = "none"


class AdminRight(StrEnum):
    """A user's Admin right; its signature type decides how they count under four eyes."""

    NONE = "none"
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


ALL_OTHER_TYPES = "*"


# --- the declaration -------------------------------------------------------------------


@dataclass(frozen=True)
class SingleGrant:
    contract: str
    profile: str
    until: date | None = None  # from this day on the entry counts no more (reconcile.expiry)


@dataclass(frozen=True)
class Grants:
    """How one user's rights are asked for; resolution order is in ``reconcile.resolve``."""

    all: Mapping[str, str] | None = None  # contract type (or '*') -> profile
    copy_from: str | None = None
    exclude: tuple[str, ...] = ()  # contract ids or contract types
    single: tuple[SingleGrant, ...] = ()


@dataclass(frozen=True)
class UserSpec:
    id: str
    name: str
    email: str | None = None
    github: str | None = None
    admin: AdminRight = AdminRight.NONE
    language: str | None = None  # None: the relationship's language
    grants: Grants = field(default_factory=Grants)
    signing_key: str | None = None  # SSH public key line: verifies the person's approvals
    github_id: int | None = None  # GitHub's permanent user id of the ``github`` login
    until: date | None = None  # from this day on the user is no longer declared

    def __post_init__(self) -> None:  # data read from YAML or SQL carries the right as text
        object.__setattr__(self, "admin", AdminRight(self.admin))


@dataclass(frozen=True)
class DeliveryOverride:
    delivery: str
    iso_version: str


@dataclass(frozen=True)
class DeliveriesSpec:
    iso_version: str | None = None  # None: leave every delivery as the bank has it
    overrides: tuple[DeliveryOverride, ...] = ()


@dataclass(frozen=True)
class ApiKeySpec:
    name: str
    user: str
    rotate: bool = False  # a new key now (once: a key made today is not rotated again)
    until: date | None = None  # from this day on the key is no longer declared


@dataclass(frozen=True)
class ClientSpec:
    id: str
    name: str
    language: str
    users: tuple[UserSpec, ...] = ()
    deliveries: DeliveriesSpec = field(default_factory=DeliveriesSpec)
    api_keys: tuple[ApiKeySpec, ...] = ()

    def user(self, user_id: str) -> UserSpec | None:
        return next((u for u in self.users if u.id == user_id), None)


# --- the bank's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    id: str
    type: str
    name: str
    allowed: tuple[str, ...] | None = None  # narrower than the type's list, if set


@dataclass(frozen=True)
class Signatory:
    name: str
    signature: str  # individual | collective


@dataclass(frozen=True)
class UserState:
    id: str
    name: str
    email: str | None
    language: str
    github: str | None
    admin: AdminRight
    authorizations: Mapping[str, str]  # contract id -> profile (never 'none')
    signing_key: str | None = None  # the SSH public key line the bank holds: approvals verify

    def __post_init__(self) -> None:  # data read from YAML or SQL carries the right as text
        object.__setattr__(self, "admin", AdminRight(self.admin))


@dataclass(frozen=True)
class Delivery:
    id: str
    contract: str
    kind: str  # camt.053 | camt.052 | camt.054 | statement | interest_statement | ...
    iso_version: str | None  # None for PDF kinds
    channel: str
    frequency: str
    variant: str | None = None  # camt.052 'incremental', camt.054 'collective'/'detailed'
    # Set by the bank's automatic ISO version change: the day it switched the delivery, and
    # the version it switched it from.
    switched_on: date | None = None
    switched_from: str | None = None


class KeyState(StrEnum):
    """A key is made inactive; the bank activates it once its secret has reached the sink."""

    INACTIVE = "inactive"
    ACTIVE = "active"


@dataclass(frozen=True)
class ApiKeyState:
    """A key as the bank lists it: never its secret, only a short public fingerprint."""

    name: str
    user: str
    fingerprint: str
    created: date
    expires: date
    state: KeyState = KeyState.ACTIVE

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", KeyState(self.state))


@dataclass(frozen=True)
class ClientState:
    """One client relationship as the bank holds it; ``serial`` grows with every change."""

    id: str
    name: str
    language: str
    serial: int
    contracts: tuple[Contract, ...] = ()
    signatories: tuple[Signatory, ...] = ()
    users: tuple[UserState, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    api_keys: tuple[ApiKeyState, ...] = ()

    def contract(self, contract_id: str) -> Contract | None:
        return next((c for c in self.contracts if c.id == contract_id), None)

"""The changes the bank takes in an order, each checked before anything is written.

Two checks, both reporting every problem found: :func:`order_problems` looks at an order on
its own (form, addresses, what may be ordered electronically at all), :func:`inapplicable`
at the relationship the order would run on (does the user, right, contract, delivery exist).
Changes are in the plan's JSON form (``Change.to_json``), also in seeds and the orders table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from efctl.sandbox.ddl import LANGUAGES
from reconcile.model import NO_PROFILE
from reconcile.plan import Action, Address, Change, Resource

USER_FIELDS = ("name", "email", "language", "github")

# What may be ordered electronically; everything else is paper, advisor or a key request.
ORDERABLE: Mapping[Resource, tuple[Action, ...]] = {
    Resource.USER: (Action.CREATE, Action.UPDATE, Action.DELETE),
    Resource.AUTHORIZATION: (Action.CREATE, Action.UPDATE, Action.DELETE),
    Resource.SIGNING_KEY: (Action.CREATE, Action.UPDATE, Action.DELETE),
    Resource.DELIVERY: (Action.UPDATE,),
}
NOT_ORDERABLE: Mapping[Resource, str] = {
    Resource.ADMIN_RIGHT: "the Admin right is changed only on the signed paper form",
    Resource.API_KEY: "API keys are requested one by one, never in an order",
}

# The bank executes an order in this sequence: what others refer to exists before them, and
# rights go before the users who held them.
PHASES: tuple[tuple[Resource, Action], ...] = (
    (Resource.USER, Action.CREATE),
    (Resource.USER, Action.UPDATE),
    *((Resource.SIGNING_KEY, action) for action in ORDERABLE[Resource.SIGNING_KEY]),
    (Resource.AUTHORIZATION, Action.CREATE),
    (Resource.AUTHORIZATION, Action.UPDATE),
    (Resource.DELIVERY, Action.UPDATE),
    (Resource.AUTHORIZATION, Action.DELETE),
    (Resource.USER, Action.DELETE),
)
_PHASE = {step: number for number, step in enumerate(PHASES)}


def order_problems(client: str, changes: Sequence[Change]) -> list[tuple[int, str]]:
    """(index, message) for each change the bank cannot take in an order for ``client``."""
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, change in enumerate(changes):
        found = list(_change_problems(client, change))
        if change.address in seen:
            found.append("its address appears earlier in the order")
        seen.add(change.address)
        problems.extend((index, f"{_named(index, change)}: {problem}") for problem in found)
    return problems


def execution_order(changes: Sequence[Change]) -> list[tuple[int, Change]]:
    """(index, change) in the bank's sequence (see PHASES), the order's own kept within."""
    return sorted(enumerate(changes), key=lambda item: _PHASE[item[1].resource, item[1].action])


@dataclass
class Holdings:
    """Just enough of a relationship to tell whether an order's changes apply to it."""

    users: set[str]
    rights: set[tuple[str, str]]  # (user, contract)
    contracts: set[str]
    deliveries: dict[str, bool]  # delivery id -> whether it has an ISO version (camt)


def inapplicable(changes: Sequence[Change], holdings: Holdings) -> list[tuple[int, str]]:
    """(index, message) for each change (valid per :func:`order_problems`) that does not apply,
    played in execution order; ``holdings`` is updated as the relationship would be."""
    problems: list[tuple[int, str]] = []
    for index, change in execution_order(changes):
        problem = _apply(change, Address.parse(change.address), holdings)
        if problem:
            problems.append((index, f"{_named(index, change)} does not apply: {problem}"))
    return problems


def _apply(change: Change, address: Address, held: Holdings) -> str | None:
    user, contract = address.user, address.contract
    match change.resource, change.action:
        case Resource.USER, Action.CREATE:
            if user in held.users:
                return f"user '{user}' already exists"
            held.users.add(user)
        case (Resource.USER, (Action.UPDATE | Action.DELETE)) | (Resource.SIGNING_KEY, _):
            if user not in held.users:
                return f"there is no user '{user}'"
            if change.resource is Resource.USER and change.action is Action.DELETE:
                held.users.discard(user)
                held.rights = {right for right in held.rights if right[0] != user}
        case Resource.AUTHORIZATION, Action.CREATE:
            if user not in held.users:
                return f"there is no user '{user}'"
            if contract not in held.contracts:
                return f"there is no contract '{contract}'"
            if (user, contract) in held.rights:
                return f"user '{user}' already holds a right on '{contract}'"
            held.rights.add((user, contract))
        case Resource.AUTHORIZATION, (Action.UPDATE | Action.DELETE):
            if (user, contract) not in held.rights:
                return f"user '{user}' holds no right on '{contract}'"
            if change.action is Action.DELETE:
                held.rights.discard((user, contract))
        case Resource.DELIVERY, Action.UPDATE:
            if address.delivery not in held.deliveries:
                return f"there is no delivery '{address.delivery}'"
            if not held.deliveries[address.delivery]:
                return f"delivery '{address.delivery}' is a PDF document without ISO version"
    return None


def _named(index: int, change: Change) -> str:
    return f"change {index + 1} ({change.address})"


def _change_problems(client: str, change: Change) -> Iterable[str]:
    try:
        address = Address.parse(change.address)
    except ValueError:
        yield "it is not an efctl address"
        return
    if address.client != client:
        yield f"it is of relationship {address.client}, not of {client}"
    if address.resource is not change.resource:
        yield f"its address is of resource {address.resource}, the change of {change.resource}"
        return
    if change.action is Action.MANUAL:
        yield "it is manual: the bank takes it only on paper or through the client advisor"
    elif change.resource in NOT_ORDERABLE:
        yield NOT_ORDERABLE[change.resource]
    elif change.action not in ORDERABLE[change.resource]:
        yield f"the bank does not take a '{change.action}' of a {change.resource}"
    elif change.action is not Action.DELETE:
        yield from _payload_problems(change)


def _payload_problems(change: Change) -> Iterable[str]:
    after = change.after
    if change.resource is Resource.USER:
        yield from _user_problems(after, creating=change.action is Action.CREATE)
    elif change.resource is Resource.AUTHORIZATION:
        if not _single_text(after, "profile") or after["profile"] == NO_PROFILE:
            yield f"`after` must be {{profile: <a profile other than '{NO_PROFILE}'>}}"
    elif change.resource is Resource.SIGNING_KEY:
        if not _single_text(after, "public_key"):
            yield "`after` must be {public_key: <an SSH public key line>}"
    elif not _single_text(after, "iso_version"):
        yield "`after` must be {iso_version: <an ISO version>}"


def _user_problems(after: Any, *, creating: bool) -> Iterable[str]:
    if not isinstance(after, Mapping) or not after:
        yield f"`after` must be a mapping of {', '.join(USER_FIELDS)}"
        return
    unknown = sorted(set(after) - set(USER_FIELDS))
    if unknown:
        yield f"`after` has {', '.join(unknown)}; a user has {', '.join(USER_FIELDS)}"
    required = ("name", "language") if creating else ()
    for name in required:
        if name not in after:
            yield f"`after` lacks {name}"
    if "name" in after and not (isinstance(after["name"], str) and after["name"]):
        yield "`after.name` must be a non-empty text"
    if "language" in after and after["language"] not in LANGUAGES:
        yield f"`after.language` is {after['language']!r}, not one of {', '.join(LANGUAGES)}"
    for name in ("email", "github"):
        if after.get(name) is not None and not isinstance(after[name], str):
            yield f"`after.{name}` must be a text or null"


def _single_text(after: Any, key: str) -> bool:
    return (
        isinstance(after, Mapping)
        and set(after) == {key}
        and isinstance(after[key], str)
        and bool(after[key])
    )

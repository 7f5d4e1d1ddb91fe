"""Adoption: the smallest edits of a declaration that make it declare what the bank changed.

When someone changes a right in the bank's web UI (or the bank changes something itself), the
next plan would revert it. Adopting it instead edits the declaration, entry by entry, so that
the plan shows no change at those addresses, and leaves everything else as declared: a change
the declaration asks for and the bank never had is not the bank's, and stays.

The edits are plain operations on the document (set a key, append an item, remove a node) at
pointers into it, so that the YAML layer applies them without knowing why, keeping the file's
comments and order. Rights are adopted with ``single`` entries (the correction the bank itself
offers), judged on the declaration's effective result: a user who copies one whose rights are
adopted keeps exactly the rights they had, pinned by their own ``single`` entries if needed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from reconcile.catalog import Catalog
from reconcile.diff import LastApplied, diff_client
from reconcile.edits import Edit, Op
from reconcile.expiry import in_force
from reconcile.importer import shortest_grants, user_spec
from reconcile.model import NO_PROFILE, AdminRight, ClientSpec, ClientState, SingleGrant, UserSpec
from reconcile.plan import Action, Address, Change, Resource
from reconcile.resolve import copy_edges, resolve_client


@dataclass(frozen=True)
class Adoption:
    """The edits, and the plan's changes they adopt and leave (in plan order)."""

    edits: tuple[Edit, ...]
    adopted: tuple[Change, ...]
    left: tuple[Change, ...]


def adopt(
    spec: ClientSpec,
    state: ClientState,
    catalog: Catalog,
    today: date,
    last_applied: LastApplied,
    from_bank: Callable[[Change], bool],
    user_document: Callable[[UserSpec], dict],
) -> Adoption:
    """The edits of ``spec``'s document that adopt each planned change the bank made: a drift
    from ``last_applied``, or one ``from_bank`` attributes to the bank's side; ``user_document``
    writes a new user's entry (the import's form)."""
    current = in_force(spec, today).spec
    resolution = resolve_client(current, state.contracts, catalog)
    changes = diff_client(current, resolution, state, catalog, last_applied, today)
    adopted = tuple(c for c in changes if c.drift or from_bank(c))
    left = tuple(c for c in changes if not (c.drift or from_bank(c)))
    editor = _Adopter(spec, current, state, catalog, user_document)
    for change in adopted:
        editor.take(change)
    editor.rights({c.address for c in adopted if c.resource is Resource.AUTHORIZATION})
    return Adoption(tuple(editor.edits), adopted, left)


class _Adopter:
    def __init__(
        self,
        spec: ClientSpec,
        current: ClientSpec,
        state: ClientState,
        catalog: Catalog,
        user_document: Callable[[UserSpec], dict],
    ):
        self.spec = spec  # as in the file: its indices are the document's
        self.current = current  # the entries in force
        self.state = state
        self.catalog = catalog
        self.user_document = user_document
        self.index = {}
        for position, user in enumerate(spec.users):
            self.index.setdefault(user.id, position)
        self.bank_users = {user.id: user for user in state.users}
        self.removed: set[str] = set()
        self.edits: list[Edit] = []

    def take(self, change: Change) -> None:
        address = Address.parse(change.address)
        match address.resource, change.action:
            case Resource.USER, Action.DELETE:  # only the bank has the user: declare them
                self._add_user(address.user)
            case Resource.USER, Action.CREATE:  # the bank deleted the user
                self._remove_user(address.user)
            case Resource.USER, Action.UPDATE:
                bank = self.bank_users[address.user]
                for name in ("name", "email", "github"):
                    if change.before[name] != change.after[name]:
                        self._set_user(address.user, name, getattr(bank, name))
                if change.before["language"] != change.after["language"]:
                    language = None if bank.language == self.spec.language else bank.language
                    self._set_user(address.user, "language", language)
            case Resource.ADMIN_RIGHT, _:
                admin = AdminRight(change.before["admin"])  # the document takes its text
                self._set_user(
                    address.user, "admin", None if admin is AdminRight.NONE else str(admin)
                )
            case Resource.SIGNING_KEY, _:
                held = (change.before or {}).get("public_key")
                self._set_user(address.user, "signing_key", held)
            case Resource.DELIVERY, _:
                self._delivery(address.delivery, change.before["iso_version"])
            case Resource.API_KEY, _:
                self._api_key(address.key, change)

    # --- users -----------------------------------------------------------------------------

    def _add_user(self, user_id: str) -> None:
        if user_id in self.index:  # declared, expired: the bank keeps them, adopt that
            self.edits.append(Edit(Op.SET, ("users", self.index[user_id], "until"), None))
            return
        bank = self.bank_users[user_id]
        grants = shortest_grants(self.state, self.catalog, bank.authorizations)
        declared = user_spec(bank, grants, self.spec.language)
        self.edits.append(Edit(Op.APPEND, ("users",), self.user_document(declared)))

    def _remove_user(self, user_id: str) -> None:
        self.removed.add(user_id)
        self.edits.append(Edit(Op.REMOVE, ("users", self.index[user_id])))
        for position, key in enumerate(self.spec.api_keys):
            if key.user == user_id:
                self.edits.append(Edit(Op.REMOVE, ("api_keys", position)))

    def _set_user(self, user_id: str, name: str, value: Any) -> None:
        self.edits.append(Edit(Op.SET, ("users", self.index[user_id], name), value))

    # --- rights ----------------------------------------------------------------------------

    def rights(self, addresses: Collection[str]) -> None:
        """``single`` entries until every declared user resolves to its target: the bank's
        profile where a change is adopted, what it resolved to before everywhere else."""
        before = resolve_client(self.current, self.state.contracts, self.catalog)
        targets: dict[str, dict[str, str]] = {}
        for uid, resolved in before.users.items():
            if uid in self.removed or uid not in self.bank_users:
                continue
            wanted = resolved.profiles()
            held = self.bank_users[uid].authorizations
            prefix = f"{self.spec.id}/users/{uid}/authorizations/"
            for contract in self.state.contracts:
                if prefix + contract.id in addresses:
                    wanted[contract.id] = held.get(contract.id, NO_PROFILE)
            targets[uid] = wanted
        users = {user.id: user for user in self.current.users}
        for uid in _sources_first(self.current, list(targets)):
            resolved = resolve_client(
                replace(self.current, users=tuple(users.values())),
                self.state.contracts,
                self.catalog,
            ).users[uid]
            got = resolved.profiles()
            for contract in self.state.contracts:
                want = targets[uid].get(contract.id, NO_PROFILE)
                if got.get(contract.id, NO_PROFILE) != want:
                    users[uid] = self._single(users[uid], contract.id, want)

    def _single(self, user, contract: str, profile: str):
        """USER with a single entry giving PROFILE on CONTRACT: its last entry for the
        contract in force gets the profile, else one is appended."""
        at = ("users", self.index[user.id], "authorizations", "single")
        declared = self.spec.users[self.index[user.id]].grants.single
        in_force_entries = set(user.grants.single)
        for position in reversed(range(len(declared))):
            entry = declared[position]
            if entry.contract == contract and entry in in_force_entries:
                self.edits.append(Edit(Op.SET, (*at, position, "profile"), profile))
                singles = tuple(
                    replace(s, profile=profile) if s is entry else s for s in user.grants.single
                )
                break
        else:
            self.edits.append(Edit(Op.APPEND, at, {"contract": contract, "profile": profile}))
            singles = (*user.grants.single, SingleGrant(contract, profile))
        return replace(user, grants=replace(user.grants, single=singles))

    # --- deliveries and keys ---------------------------------------------------------------

    def _delivery(self, delivery: str, version: str) -> None:
        at = ("deliveries", "overrides")
        for position, override in enumerate(self.spec.deliveries.overrides):
            if override.delivery == delivery:
                self.edits.append(Edit(Op.SET, (*at, position, "iso_version"), version))
                return
        self.edits.append(Edit(Op.APPEND, at, {"delivery": delivery, "iso_version": version}))

    def _api_key(self, name: str, change: Change) -> None:
        position = next((i for i, k in enumerate(self.spec.api_keys) if k.name == name), None)
        if change.action is Action.DELETE:  # only the bank has the key
            self.edits.append(
                Edit(Op.APPEND, ("api_keys",), {"name": name, "user": change.before["user"]})
            )
        elif position is not None and change.action is Action.CREATE:  # the bank revoked it
            if self.spec.api_keys[position].user not in self.removed:
                self.edits.append(Edit(Op.REMOVE, ("api_keys", position)))
        elif position is not None and change.before["user"] != change.after["user"]:
            self.edits.append(Edit(Op.SET, ("api_keys", position, "user"), change.before["user"]))


def _sources_first(spec: ClientSpec, users: Sequence[str]) -> list[str]:
    """USERS ordered so that each comes after the user it copies (cycles: as declared)."""
    edges = copy_edges(spec)
    done: dict[str, None] = {}

    def visit(uid: str, path: frozenset[str]) -> None:
        source = edges.get(uid)
        if source is not None and source not in done and source not in path:
            visit(source, path | {uid})
        done.setdefault(uid, None)

    for uid in users:
        visit(uid, frozenset())
    wanted = set(users)
    return [uid for uid in done if uid in wanted]

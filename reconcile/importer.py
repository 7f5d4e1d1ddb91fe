"""The bank's side of a relationship as a declaration (``efctl import``).

The declaration must resolve to exactly the rights the bank holds, so that planning it shows no
change, and it should read the way a person would write it. So each user gets the shortest
grants we find (entries of ``all``, ``exclude`` and ``single``, ``copy_from`` counting one each):
``all`` with one profile per contract type and ``'*'`` for the rest, corrected by ``single``
entries where that is shorter than a plain ``single`` list, or a copy of an earlier user with
the same rights. The result is then resolved like any declaration and compared with the bank;
nothing about fallbacks is assumed.

A written profile is never one the contract type does not offer (``cards: sign_individual``
would resolve to read, but reads as a lie); the fallback rule is relied on only for a contract's
own narrower list, where one profile per type cannot be exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from reconcile.catalog import Catalog
from reconcile.model import (
    ALL_OTHER_TYPES,
    NO_PROFILE,
    ApiKeySpec,
    ClientSpec,
    ClientState,
    Contract,
    DeliveriesSpec,
    DeliveryOverride,
    Grants,
    SingleGrant,
    UserSpec,
    UserState,
)
from reconcile.resolve import resolve_client


@dataclass(frozen=True)
class Imported:
    spec: ClientSpec
    notes: tuple[str, ...] = ()  # what the declaration cannot keep as it is; planning shows it


def spec_from_state(state: ClientState, catalog: Catalog, today: date) -> Imported:
    """The declaration of ``state`` that validates on ``today``: users in the bank's order,
    each with its shortest grants."""
    finder = _GrantFinder(state.contracts, catalog)
    first_with_rights: dict[tuple, str] = {}
    users = []
    for user in state.users:
        found = finder.shortest(user.authorizations)
        same_rights = tuple(sorted(user.authorizations.items()))
        source = first_with_rights.setdefault(same_rights, user.id)
        if source != user.id and size(found) > 1:
            found = Grants(copy_from=source)
        users.append(user_spec(user, found, state.language))
    deliveries, delivery_notes = _deliveries(state, catalog, today)
    spec = ClientSpec(
        id=state.id,
        name=state.name,
        language=state.language,
        users=tuple(users),
        deliveries=deliveries,
        # one key per name: during a rotation the bank holds the new one inactive beside it
        api_keys=tuple(
            {key.name: ApiKeySpec(key.name, key.user) for key in state.api_keys}.values()
        ),
    )
    _verify(spec, state, finder)
    return Imported(spec, (*finder.unreachable_notes(state.users), *delivery_notes))


def size(grants: Grants) -> int:
    """How many entries a person reads: each of all, exclude and single, and copy_from."""
    return (
        len(grants.all or {})
        + len(grants.exclude)
        + len(grants.single)
        + (grants.copy_from is not None)
    )


def shortest_grants(state: ClientState, catalog: Catalog, rights: Mapping[str, str]) -> Grants:
    """The shortest grants (no copy) that give exactly RIGHTS on STATE's contracts."""
    return _GrantFinder(state.contracts, catalog).shortest(rights)


def user_spec(user: UserState, grants: Grants, client_language: str) -> UserSpec:
    """The bank's user as declared with GRANTS; its language only where it is its own."""
    return UserSpec(
        id=user.id,
        name=user.name,
        email=user.email,
        github=user.github,
        admin=user.admin,
        language=None if user.language == client_language else user.language,
        grants=grants,
        signing_key=user.signing_key,
    )


def _deliveries(
    state: ClientState, catalog: Catalog, today: date
) -> tuple[DeliveriesSpec, list[str]]:
    """The most common camt version for the relationship (on a tie the newer generation), the
    other deliveries as overrides; PDF deliveries have no version and are not mentioned.

    After the parallel phase a declaration may only ask for the newest generation, so an older
    version still at the bank is declared as the newest (the bank would switch it anyway) and a
    note says that planning shows this change.
    """
    generations = list(catalog.iso_versions)
    newest = generations[-1]
    retired = today > catalog.parallel_phase_end
    wanted: dict[str, str] = {}
    notes = []
    for delivery in state.deliveries:
        version = delivery.iso_version
        if version is None:
            continue
        if retired and version != newest:
            notes.append(
                f"delivery {delivery.id} ({delivery.kind}) is still on ISO version {version}, "
                f"no longer accepted since {catalog.parallel_phase_end.isoformat()}: the "
                f'declaration asks for "{newest}", and planning shows that change'
            )
            version = newest
        wanted[delivery.id] = version
    if not wanted:
        return DeliveriesSpec(), notes
    counts = Counter(wanted.values())
    common = max(
        counts, key=lambda v: (counts[v], generations.index(v) if v in generations else -1, v)
    )
    overrides = tuple(DeliveryOverride(d, v) for d, v in wanted.items() if v != common)
    return DeliveriesSpec(iso_version=common, overrides=overrides), notes


class _GrantFinder:
    """The shortest grants that give one user exactly a map of contract -> profile."""

    def __init__(self, contracts: Sequence[Contract], catalog: Catalog):
        self.catalog = catalog
        self.contracts = {c.id: c for c in contracts}
        self.order = {contract_id: index for index, contract_id in enumerate(self.contracts)}
        named = [t for t in catalog.contract_types if any(c.type == t for c in contracts)]
        unnamed = sorted({c.type for c in contracts} - set(catalog.contract_types))
        self.by_type = {t: [c for c in contracts if c.type == t] for t in [*named, *unnamed]}
        self.lowest_first = tuple(reversed(catalog.profiles))  # none, read, ..., the highest
        self._givers: dict[tuple[str, str], frozenset[str]] = {}

    def reachable(self, contract: Contract, profile: str) -> bool:
        """Can any declaration give this profile on this contract? Only an allowed one."""
        return profile == NO_PROFILE or profile in self.catalog.allowed_for(contract)

    def givers(self, contract: Contract, profile: str) -> frozenset[str]:
        """The requests that give ``profile`` on the contract without asking for what its type
        lacks (the same few pairs for every user, so they are worked out once)."""
        key = (contract.id, profile)
        if key not in self._givers:
            ctype = self.catalog.contract_types.get(contract.type)
            self._givers[key] = frozenset(
                request
                for request in self.catalog.profiles
                if self.catalog.fallback(request, contract) == profile
                and (request == profile or ctype is None or request in ctype.allowed)
            )
        return self._givers[key]

    def shortest(self, rights: Mapping[str, str]) -> Grants:
        want = {cid: rights.get(cid, NO_PROFILE) for cid in self.contracts}
        reachable = {cid: p for cid, p in want.items() if self.reachable(self.contracts[cid], p)}
        forced = [SingleGrant(cid, p) for cid, p in want.items() if cid not in reachable]
        missed = {  # type -> request -> the contracts it would not give what the bank has
            contract_type: {
                request: [
                    SingleGrant(c.id, reachable[c.id])
                    for c in contracts
                    if c.id in reachable and request not in self.givers(c, reachable[c.id])
                ]
                for request in self.lowest_first
            }
            for contract_type, contracts in self.by_type.items()
        }
        best = Grants(
            single=tuple(SingleGrant(c, p) for c, p in reachable.items() if p != NO_PROFILE)
        )
        for star in (None, *self.lowest_first[1:]):  # a lesser catch-all wins a tie
            candidate = self._with_all(missed, star)
            if size(candidate) < size(best):
                best = candidate
        singles = sorted([*best.single, *forced], key=lambda s: self.order[s.contract])
        return replace(best, single=tuple(singles))

    def _with_all(
        self, missed: Mapping[str, Mapping[str, list[SingleGrant]]], star: str | None
    ) -> Grants:
        """``all`` with ``'*': star`` (None: no '*'), each type named where that is shorter than
        correcting its contracts one by one (on a tie named: fewer corrections)."""
        per_type: dict[str, str] = {}
        corrections: list[SingleGrant] = []
        for contract_type, missed_by in missed.items():
            corrected = missed_by[star or NO_PROFILE]
            if contract_type in self.catalog.contract_types:
                profile = min(missed_by, key=lambda p: len(missed_by[p]))  # the lesser on a tie
                if 1 + len(missed_by[profile]) <= len(corrected):
                    per_type[contract_type] = profile
                    corrected = missed_by[profile]
            corrections.extend(corrected)
        if star is not None:
            per_type[ALL_OTHER_TYPES] = star
        return Grants(all=per_type or None, single=tuple(corrections))

    def unreachable_notes(self, users: Sequence[UserState]) -> list[str]:
        return [
            f"user '{user.id}' holds {profile} on {contract_id} ({contract.type}), which the "
            "catalog does not allow there: the declaration asks for it as a single right, and "
            "planning shows what the bank would assign instead"
            for user in users
            for contract_id, profile in user.authorizations.items()
            if (contract := self.contracts.get(contract_id)) is not None
            and not self.reachable(contract, profile)
        ]


def _verify(spec: ClientSpec, state: ClientState, finder: _GrantFinder) -> None:
    """Resolve the declaration like any other: every reachable bank right must come out."""
    resolution = resolve_client(spec, state.contracts, finder.catalog)
    for user in state.users:
        got = resolution.users[user.id].profiles()
        for contract in state.contracts:
            want = user.authorizations.get(contract.id, NO_PROFILE)
            if finder.reachable(contract, want) and got.get(contract.id, NO_PROFILE) != want:
                raise AssertionError(
                    f"import of user '{user.id}' of {state.id} resolves to "
                    f"{got.get(contract.id, NO_PROFILE)} on {contract.id}, the bank has {want}"
                )

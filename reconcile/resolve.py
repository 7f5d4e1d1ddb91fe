"""Effective authorisations: what each declared user may do on each contract, and why.

DOMAIN.md section 4: a base (``all``, or a copy of another user's *effective* result) minus
``exclude``, then ``single`` per contract, then the bank's fallback rule. Every result keeps its
provenance, because the plan, ``explain`` and the reports must say why a right is what it is and
a fallback must never be silent.

Resolution never fails on a bad declaration: what the checks report as an error (a copy cycle, an
unknown source, an unknown contract, ``all`` with ``copy_from``) is resolved as far as it goes and
noted, so one run can show every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reconcile.catalog import Catalog
from reconcile.model import ALL_OTHER_TYPES, NO_PROFILE, ClientSpec, Contract, UserSpec


class Step(StrEnum):
    """The grant that set a contract's requested profile."""

    ALL = "all"
    COPY = "copy_from"
    SINGLE = "single"


@dataclass(frozen=True)
class Source:
    """Provenance of one right: the step, and for a copy the source user's own right."""

    step: Step
    key: str | None = None  # ALL: the matched contract type or '*'; COPY: the user copied from
    origin: EffectiveRight | None = None  # COPY: that user's effective right on the contract

    @property
    def chain(self) -> tuple[str, ...]:
        """Users copied through, nearest first: c copies b copies a gives ('b', 'a')."""
        users: list[str] = []
        source: Source = self
        while source.step is Step.COPY and source.origin is not None:
            users.append(source.key or "")
            source = source.origin.source
        return tuple(users)

    @property
    def root(self) -> Source:
        """The grant at the end of the copy chain (``all`` or ``single`` of the first user)."""
        source: Source = self
        while source.step is Step.COPY and source.origin is not None:
            source = source.origin.source
        return source

    def describe(self) -> str:
        """``all[account]``, ``all['*']``, ``single`` or ``copy_from b -> a: all[account]``."""
        if self.step is Step.ALL:
            return f"all[{self.key!r}]" if self.key == ALL_OTHER_TYPES else f"all[{self.key}]"
        if self.step is Step.SINGLE:
            return "single"
        return f"copy_from {' -> '.join(self.chain)}: {self.root.describe()}"

    def as_dict(self) -> dict:
        data: dict = {"step": self.step.value, "text": self.describe()}
        if self.step is Step.ALL:
            data["type"] = self.key
        elif self.step is Step.COPY:
            data["user"] = self.key
            data["chain"] = list(self.chain)
            data["origin"] = self.origin.as_dict() if self.origin else None
        return data


@dataclass(frozen=True)
class EffectiveRight:
    """One contract's outcome for one user; ``profile`` is 'none' only among dropped rights."""

    contract: str
    profile: str  # after the fallback rule
    requested: str  # what the source step asked for
    source: Source
    fallback: str | None = None  # the note when the fallback rule changed the profile
    excluded_by: str | None = None  # the `exclude` entry that took this base right out

    @property
    def reason(self) -> str:
        """Why a dropped right resolved to 'none' (meaningful only when ``profile`` is 'none')."""
        if self.excluded_by is not None:
            return f"excluded by exclude entry '{self.excluded_by}'"
        if self.fallback is not None:
            return self.fallback
        return f"{self.source.describe()} sets {self.requested}"

    def as_dict(self) -> dict:
        return {
            "contract": self.contract,
            "profile": self.profile,
            "requested": self.requested,
            "source": self.source.as_dict(),
            "fallback": self.fallback,
            "excluded_by": self.excluded_by,
        }


@dataclass(frozen=True)
class UserResolution:
    user: str
    admin: str  # as declared; never copied, changed only on the bank's paper form
    rights: Mapping[str, EffectiveRight]  # contract id -> right, in contract order, never 'none'
    dropped: Mapping[str, EffectiveRight]  # contract id -> right that resolved to 'none'
    notes: tuple[str, ...] = ()  # grants the resolution had to ignore (the checks report them)

    def profiles(self) -> dict[str, str]:
        """contract id -> effective profile, the shape of ``UserState.authorizations``."""
        return {contract: right.profile for contract, right in self.rights.items()}

    def as_dict(self) -> dict:
        return {
            "user": self.user,
            "admin": self.admin,
            "rights": [right.as_dict() for right in self.rights.values()],
            "dropped": [
                {**right.as_dict(), "reason": right.reason} for right in self.dropped.values()
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ClientResolution:
    client: str
    users: Mapping[str, UserResolution]  # in declaration order; the first of duplicate ids wins

    def as_dict(self) -> dict:
        return {"client": self.client, "users": [u.as_dict() for u in self.users.values()]}


# --- the copy graph, shared with the checks ------------------------------------------------


def declared_users(spec: ClientSpec) -> dict[str, UserSpec]:
    """user id -> its first declaration (a duplicate id is reported, never resolved twice)."""
    users: dict[str, UserSpec] = {}
    for user in spec.users:
        users.setdefault(user.id, user)
    return users


def copy_edges(spec: ClientSpec) -> dict[str, str]:
    """user id -> the user it copies, for each user whose base is a copy (no ``all``)."""
    return {
        uid: user.grants.copy_from
        for uid, user in declared_users(spec).items()
        if user.grants.copy_from is not None and user.grants.all is None
    }


def copy_cycles(spec: ClientSpec) -> list[tuple[str, ...]]:
    """Every copy cycle once, as its members in copy order from its first declared member."""
    edges = copy_edges(spec)
    order = {uid: index for index, uid in enumerate(declared_users(spec))}
    done: set[str] = set()
    cycles = []
    for start in order:
        path: dict[str, int] = {}  # member -> position on this walk
        current: str | None = start
        while current is not None and current in order and current not in done:
            if current in path:
                members = list(path)[path[current] :]
                first = min(range(len(members)), key=lambda i: order[members[i]])
                cycles.append(tuple(members[first:] + members[:first]))
                break
            path[current] = len(path)
            current = edges.get(current)
        done.update(path)
    return sorted(cycles, key=lambda cycle: order[cycle[0]])


def describe_cycle(cycle: Sequence[str]) -> str:
    return " -> ".join([*cycle, cycle[0]])


# --- resolution -----------------------------------------------------------------------------


def resolve_client(
    spec: ClientSpec, contracts: Sequence[Contract], catalog: Catalog
) -> ClientResolution:
    """Every declared user's effective rights on ``contracts``; never raises on a bad spec."""
    resolver = _Resolver(spec, contracts, catalog)
    return ClientResolution(
        client=spec.id, users={uid: resolver.user(uid) for uid in resolver.declared}
    )


class _Resolver:
    def __init__(self, spec: ClientSpec, contracts: Sequence[Contract], catalog: Catalog):
        self.catalog = catalog
        self.contracts: dict[str, Contract] = {}
        for contract in contracts:
            self.contracts.setdefault(contract.id, contract)
        self.declared = declared_users(spec)
        self.edges = copy_edges(spec)
        self.cycle_of = {uid: cycle for cycle in copy_cycles(spec) for uid in cycle}
        self.resolved: dict[str, UserResolution] = {}
        self.fallbacks: dict[tuple[str, str], tuple[str, str | None]] = {}
        self.all_bases: dict[tuple, dict[str, EffectiveRight]] = {}
        # id of an `all` base -> (that base, its rights, its dropped) after the fallback rule:
        # the same for every user whose grant is that `all` alone (shared, never changed)
        self.finished: dict[int, tuple[dict, dict, dict]] = {}

    def user(self, uid: str) -> UserResolution:
        """Resolve ``uid`` after the users it copies, walking the chain without recursion."""
        pending: list[str] = []
        current = uid
        while current not in self.resolved:
            pending.append(current)
            source = self.edges.get(current)
            if source is None or current in self.cycle_of or source not in self.declared:
                break
            current = source
        for waiting in reversed(pending):
            self.resolved[waiting] = self._resolve(self.declared[waiting])
        return self.resolved[uid]

    def _resolve(self, user: UserSpec) -> UserResolution:
        grants = user.grants
        base, notes = self._base(user)
        kept: dict[str, EffectiveRight] = {}
        excluded: dict[str, EffectiveRight] = {}
        if not grants.exclude:  # the common case: the base as it is (copied if singles follow)
            kept = dict(base) if grants.single else base
        for contract_id, right in base.items() if grants.exclude else ():
            contract = self.contracts[contract_id]
            for entry in grants.exclude:  # the first entry naming the contract or its type
                if entry == contract.id or entry == contract.type:
                    break
            else:
                entry = None
            if entry is None:
                kept[contract_id] = right
            else:
                excluded[contract_id] = EffectiveRight(  # replace(), without its cost
                    right.contract, NO_PROFILE, right.requested, right.source, right.fallback, entry
                )
        for single in grants.single:  # a later entry for the same contract wins
            if single.contract in self.contracts:
                kept[single.contract] = EffectiveRight(
                    single.contract, single.profile, single.profile, Source(Step.SINGLE)
                )  # the final pass reads kept before excluded: a single wins over an exclusion

        if kept is base and not excluded and id(base) in self.finished:
            rights, dropped = self.finished[id(base)][1:]  # an `all` alone: as resolved before
            return UserResolution(user.id, user.admin, rights, dropped, tuple(notes))
        rights: dict[str, EffectiveRight] = {}
        dropped: dict[str, EffectiveRight] = {}
        for contract_id, contract in self.contracts.items():
            right = kept.get(contract_id)
            if right is not None:
                right = self._fallback(right, contract)
                (rights if right.profile != NO_PROFILE else dropped)[contract_id] = right
            elif contract_id in excluded:
                dropped[contract_id] = excluded[contract_id]
        if kept is base and not excluded and grants.all is not None:
            self.finished[id(base)] = (base, rights, dropped)  # the base kept: its id stays
        return UserResolution(user.id, user.admin, rights, dropped, tuple(notes))

    def _base(self, user: UserSpec) -> tuple[dict[str, EffectiveRight], list[str]]:
        grants = user.grants
        if grants.all is not None:
            ignored = grants.copy_from is not None
            notes = [f"copy_from {grants.copy_from} ignored: all is given too"] if ignored else []
            return self._all(grants.all), notes
        source = grants.copy_from
        if source is None:
            return {}, []
        if user.id in self.cycle_of:
            return {}, [
                f"copy_from {source} ignored: copy cycle {describe_cycle(self.cycle_of[user.id])}"
            ]
        if source not in self.declared:
            return {}, [f"copy_from {source} ignored: no such user in the relationship"]
        copied = self.resolved[source].rights
        return {
            contract_id: EffectiveRight(
                contract_id, right.profile, right.profile, Source(Step.COPY, source, right)
            )
            for contract_id, right in copied.items()
        }, []

    def _all(self, per_type: Mapping[str, str]) -> dict[str, EffectiveRight]:
        """The base of an ``all`` grant: the same (frozen) rights for every user who gives the
        same mapping, so computed once per mapping; callers never change it."""
        key = tuple(per_type.items())
        try:
            return self.all_bases[key]
        except KeyError:
            base = self.all_bases[key] = self._compute_all(per_type)
            return base

    def _compute_all(self, per_type: Mapping[str, str]) -> dict[str, EffectiveRight]:
        sources = {key: Source(Step.ALL, key) for key in per_type}  # shared: frozen
        base = {}
        for contract_id, contract in self.contracts.items():
            key = contract.type if contract.type in per_type else ALL_OTHER_TYPES
            if key in per_type:
                profile = per_type[key]
                base[contract_id] = EffectiveRight(contract_id, profile, profile, sources[key])
        return base

    def _fallback(self, right: EffectiveRight, contract: Contract) -> EffectiveRight:
        profile, note = self._fallback_of(right.requested, contract)
        if profile == right.profile and note is None:
            return right  # the common case: allowed as asked, nothing to copy
        return EffectiveRight(  # replace(right, profile=profile, fallback=note), cheaper
            right.contract, profile, right.requested, right.source, note, right.excluded_by
        )

    def _fallback_of(self, requested: str, contract: Contract) -> tuple[str, str | None]:
        """The bank's fallback for one request on one contract, computed once per pair."""
        key = (requested, contract.id)
        if key not in self.fallbacks:
            self.fallbacks[key] = self._compute_fallback(requested, contract)
        return self.fallbacks[key]

    def _compute_fallback(self, requested: str, contract: Contract) -> tuple[str, str | None]:
        if requested not in self.catalog.profiles:
            return (
                NO_PROFILE,
                f"fallback: {requested} is not a profile of the catalog, assigned none",
            )
        profile = self.catalog.fallback(requested, contract)
        if profile == requested:
            return profile, None
        where = f"{contract.id} ({self._what(contract)})"
        lower = ", no lower profile allowed" if profile == NO_PROFILE else ""
        return profile, f"fallback: {requested} not allowed on {where}{lower}, assigned {profile}"

    def _what(self, contract: Contract) -> str:
        """The contract's type, with the reason its list of profiles is what it is."""
        if contract.type not in self.catalog.contract_types:
            return f"{contract.type}, a type the catalog does not know"
        if contract.allowed is None:
            return contract.type
        allowed = self.catalog.allowed_for(contract)
        return f"{contract.type}; this contract allows only {', '.join(allowed) or 'nothing'}"

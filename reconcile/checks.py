"""Semantic checks of one client declaration: what a schema cannot see (EF101..EF117).

Each problem is a Diagnostic with the pointer of the offending node inside the client's YAML
document, a message naming the object and a hint saying how to fix it. Checks that need the
bank's side (contracts, deliveries, effective rights) run only when the bank knows the client.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from reconcile.catalog import Catalog, IsoGeneration
from reconcile.diagnostics import Diagnostic, Pointer, error, warning
from reconcile.expiry import Entry, expiries
from reconcile.isochange import LABEL
from reconcile.model import (
    ALL_OTHER_TYPES,
    AdminRight,
    ClientSpec,
    ClientState,
    Delivery,
    UserSpec,
)
from reconcile.resolve import (
    ClientResolution,
    EffectiveRight,
    Step,
    copy_cycles,
    declared_users,
    describe_cycle,
    resolve_client,
)

# The contract type whose rights an API key needs (DOMAIN.md section 8).
API_KEY_CONTRACT_TYPE = "billing_solutions"
EXPIRY_WARNING_DAYS = 14  # validate warns this many days before an entry's until (efctl.yaml)
LISTED = 10  # candidates named in a hint before "and N more"


@dataclass(frozen=True)
class Gaps:
    """What a spec built from the accepted part of a declaration leaves out.

    The left-out nodes have been reported already (schema errors); checks that depend on them
    are skipped rather than repeated as false follow-on errors.
    """

    unsure: frozenset[str] = frozenset()  # users with a part left out: declared, rights unknown
    origin: Callable[[Pointer], Pointer] = field(default=lambda pointer: pointer)  # -> document


NO_GAPS = Gaps()


def check_client(
    spec: ClientSpec,
    bank: ClientState | None,
    catalog: Catalog,
    today: date,
    *,
    bank_known: bool = True,
    gaps: Gaps = NO_GAPS,
    resolution: ClientResolution | None = None,
    expiry_warning_days: int = EXPIRY_WARNING_DAYS,
) -> list[Diagnostic]:
    """Every semantic problem of ``spec``: client, then users, API keys and deliveries in order.

    ``bank`` is the bank's side of the relationship, None when the bank does not know it
    (EF111). With ``bank_known=False`` no bank was asked (offline validation): the checks that
    need the bank are skipped without a diagnostic. Pointers are into the document ``gaps``
    names. ``resolution`` is the spec resolved against ``bank``'s contracts, when the caller
    has it already (planning reuses it). Entries whose ``until`` is within
    ``expiry_warning_days`` of ``today``, or past, are warned about.
    """
    checks = _Checks(spec, bank, catalog, today, gaps, resolution)
    problems: list[Diagnostic] = []
    if bank is None and bank_known:
        problems.append(
            error(
                "EF111",
                f"client relationship {spec.id} is unknown at the bank",
                ("client", "id"),
                "check the client id: relationships and their contracts are opened by the bank, "
                "never by a declaration",
            )
        )
    problems.extend(checks.users())
    problems.extend(checks.api_keys())
    problems.extend(checks.deliveries())
    problems.extend(checks.expiries(expiry_warning_days))
    return [replace(problem, pointer=gaps.origin(problem.pointer)) for problem in problems]


class _Checks:
    def __init__(
        self,
        spec: ClientSpec,
        bank: ClientState | None,
        catalog: Catalog,
        today: date,
        gaps: Gaps,
        resolution: ClientResolution | None,
    ):
        self.spec = spec
        self.gaps = gaps
        self.bank = bank
        self.catalog = catalog
        self.today = today
        self.declared = declared_users(spec)
        self.types = list(catalog.contract_types)
        if resolution is None and bank is not None:
            resolution = resolve_client(spec, bank.contracts, catalog)
        self.resolution = resolution
        self.contract_ids = [c.id for c in bank.contracts] if bank else []
        self.known_contracts = set(self.contract_ids)

    # --- users ------------------------------------------------------------------------------

    def users(self) -> Iterable[Diagnostic]:
        cycles = {cycle[0]: cycle for cycle in copy_cycles(self.spec)}
        logins: dict[str, UserSpec] = {}
        for index, user in enumerate(self.spec.users):
            at: Pointer = ("users", index)
            first = self.declared[user.id]
            if first is not user:
                yield error(
                    "EF101",
                    f"duplicate user id '{user.id}': "
                    f"{self._item('users', self.spec.users.index(first))} already declares it",
                    (*at, "id"),
                    "the user id is the stable key of a user: give each user its own id, "
                    "or merge the two entries",
                )
            if user.github is not None:
                owner = logins.setdefault(user.github.casefold(), user)
                if owner.id != user.id:
                    yield error(
                        "EF112",
                        f"github login '{user.github}' of user '{user.id}' is already the "
                        f"login of user '{owner.id}'",
                        (*at, "github"),
                        "a GitHub login stands for one e-finance user in reviews: keep it on "
                        "one user only",
                    )
            grants_at = (*at, "authorizations")
            yield from self._all(user, grants_at)
            yield from self._copy_from(
                user, grants_at, cycles.get(user.id) if first is user else None
            )
            if self.bank is not None:
                yield from self._contracts(user, grants_at, self.bank)
            if self.resolution is not None and first is user:
                yield from self._fallen_to_none(user, grants_at, self.resolution)
                if not self._rights_unknown(user.id):
                    yield from self._no_rights(user, at, self.resolution)

    def _item(self, items: str, index: int) -> str:
        """``users[2]``, counted in the document, not in the accepted part."""
        return "{}[{}]".format(*self.gaps.origin((items, index)))

    def _rights_unknown(self, user_id: str) -> bool:
        """The user, or a user it copies from, has a part left out: its rights are unknown."""
        seen: set[str] = set()
        current: str | None = user_id
        while current is not None and current not in seen:
            if current in self.gaps.unsure:
                return True
            seen.add(current)
            declared = self.declared.get(current)
            current = declared.grants.copy_from if declared is not None else None
        return False

    def _all(self, user: UserSpec, at: Pointer) -> Iterable[Diagnostic]:
        for contract_type in user.grants.all or {}:
            if (
                contract_type != ALL_OTHER_TYPES
                and contract_type not in self.catalog.contract_types
            ):
                yield error(
                    "EF103",
                    f"unknown contract type '{contract_type}' in all of user '{user.id}'",
                    (*at, "all", contract_type),
                    f"'{ALL_OTHER_TYPES}' stands for every type not named; "
                    + _suggest(contract_type, self.types, "contract types of the catalog"),
                )

    def _copy_from(
        self, user: UserSpec, at: Pointer, cycle: tuple[str, ...] | None
    ) -> Iterable[Diagnostic]:
        source = user.grants.copy_from
        if source is None:
            return
        at = (*at, "copy_from")
        if user.grants.all is not None:
            yield error(
                "EF104",
                f"user '{user.id}' has both all and copy_from: the base of a user's rights is "
                "either all authorisations or a copy, never both",
                at,
                "keep one of them, and correct single contracts with `single`",
            )
        if source not in self.declared and source not in self.gaps.unsure:
            others = [uid for uid in self.declared if uid != user.id]
            yield error(
                "EF105",
                f"copy_from '{source}' of user '{user.id}' names no user of client "
                f"relationship {self.spec.id}",
                at,
                "copy_from takes the id of another user declared in this file; "
                + _suggest(source, others, "users of this file"),
            )
        source_ends = self.declared[source].until if source in self.declared else None
        if source_ends is not None and (user.until is None or source_ends < user.until):
            yield error(
                "EF121",
                f"user '{user.id}' copies user '{source}', whose access ends on "
                f"{source_ends.isoformat()}: a copy cannot outlive its source",
                at,
                f"give '{user.id}' its own grants (all or single), or the same until "
                f"({source_ends.isoformat()}) or an earlier one",
            )
        if cycle is not None:
            yield error(
                "EF106",
                f"copy cycle: {describe_cycle(cycle)}",
                at,
                "break the cycle: give one of these users `all` or `single` authorisations "
                "instead of copy_from",
            )

    def _contracts(self, user: UserSpec, at: Pointer, bank: ClientState) -> Iterable[Diagnostic]:
        contract_ids = self.contract_ids
        for position, entry in enumerate(user.grants.exclude):
            if entry not in self.known_contracts and entry not in self.catalog.contract_types:
                yield error(
                    "EF102",
                    f"unknown contract or contract type '{entry}' in exclude of user "
                    f"'{user.id}': neither a contract of client relationship {bank.id} nor a "
                    "contract type of the catalog",
                    (*at, "exclude", position),
                    "exclude takes contract ids or contract types; "
                    + _suggest(
                        entry, contract_ids + self.types, f"contracts of {bank.id} and types"
                    ),
                )
        for position, single in enumerate(user.grants.single):
            if single.contract not in self.known_contracts:
                yield error(
                    "EF102",
                    f"unknown contract '{single.contract}' in single of user '{user.id}': "
                    f"client relationship {bank.id} has no such contract",
                    (*at, "single", position, "contract"),
                    _suggest(single.contract, contract_ids, f"contracts of {bank.id}"),
                )

    def _fallen_to_none(
        self, user: UserSpec, at: Pointer, resolution: ClientResolution
    ) -> Iterable[Diagnostic]:
        """DOMAIN §3: every fallback is reported; one to nothing changes no right: say it here."""
        for right in resolution.users[user.id].dropped.values():
            if right.fallback is None or right.source.step is Step.COPY:
                continue  # excluded or set to none on purpose, or the source's own fallback
            step = right.source.step
            where = (*at, step.value, right.source.key) if step is Step.ALL else (*at, step.value)
            yield warning(
                "EF118",
                f"user '{user.id}' gets nothing on {right.contract}: {right.fallback}",
                where,
                "ask for a profile the contract allows, or take the contract out with "
                f"`single: [{{contract: {right.contract}, profile: none}}]` to say so",
            )

    def _no_rights(
        self, user: UserSpec, at: Pointer, resolution: ClientResolution
    ) -> Iterable[Diagnostic]:
        resolved = resolution.users[user.id]
        if resolved.rights or user.admin is not AdminRight.NONE:
            return
        dropped = len(resolved.dropped)
        why = f" ({dropped} contract(s) resolved to none)" if dropped else ""
        yield warning(
            "EF113",
            f"user '{user.id}' is left with no rights at all and no Admin right{why}",
            at,
            "grant authorisations (all, copy_from or single), or remove the user to end the "
            f"access; `efctl explain {self.spec.id} {user.id}` shows why",
        )

    # --- API keys ---------------------------------------------------------------------------

    def api_keys(self) -> Iterable[Diagnostic]:
        names: dict[str, int] = {}
        for index, key in enumerate(self.spec.api_keys):
            at: Pointer = ("api_keys", index)
            earlier = names.setdefault(key.name, index)
            if earlier != index:
                yield error(
                    "EF115",
                    f"duplicate API key name '{key.name}': {self._item('api_keys', earlier)} "
                    "already declares it",
                    (*at, "name"),
                    "the name identifies the key at the bank: give each key its own name",
                )
            if self._rights_unknown(key.user):
                continue
            if key.user not in self.declared:
                yield error(
                    "EF107",
                    f"API key '{key.name}' is for user '{key.user}', who is not declared in "
                    f"client relationship {self.spec.id}",
                    (*at, "user"),
                    "a key belongs to a user of the relationship: declare the user first; "
                    + _suggest(key.user, list(self.declared), "users of this file"),
                )
            elif self.bank is not None and self.resolution is not None:
                rights = self.resolution.users[key.user].rights
                yield from self._billing_right(key.name, key.user, rights, (*at, "user"), self.bank)

    def _billing_right(
        self,
        name: str,
        user: str,
        rights: Mapping[str, EffectiveRight],
        at: Pointer,
        bank: ClientState,
    ) -> Iterable[Diagnostic]:
        billing = [c for c in bank.contracts if c.type == API_KEY_CONTRACT_TYPE]
        if not billing:
            yield error(
                "EF108",
                f"API key '{name}' is for user '{user}', but client relationship {bank.id} "
                f"has no {API_KEY_CONTRACT_TYPE} contract",
                at,
                "API keys are for Billing Solutions: the bank opens that contract first, then "
                "declare the key",
            )
        elif not any(c.id in rights for c in billing):
            ids = _listing([c.id for c in billing])
            allowed = self.catalog.allowed_for(billing[0])
            example = (
                f", for example `single: [{{contract: {billing[0].id}, profile: {allowed[-1]}}}]`"
                if allowed
                else ""
            )
            yield error(
                "EF108",
                f"API key '{name}' is for user '{user}', who has no effective right on a "
                f"{API_KEY_CONTRACT_TYPE} contract of client relationship {bank.id}",
                at,
                f"grant the user a profile on {ids}{example}",
            )

    # --- time-boxed entries ------------------------------------------------------------------

    def expiries(self, within: int) -> Iterable[Diagnostic]:
        """EF120 on each ``until`` that has come or comes within WITHIN days; a key that ends
        with its user is the user's warning."""
        found = expiries(self.spec)
        for expiry in found:
            days = (expiry.on - self.today).days
            if expiry.with_user or days > within:
                continue
            on = expiry.on.isoformat()
            what = expiry.describe()
            if days <= 0:
                message = f"{what} expired on {on}: the plan removes what it grants"
                hint = "delete the entry (`efctl expire --write` does), or move until to extend"
            else:
                message = (
                    f"{what} expires on {on}, in {days} day{'s' if days != 1 else ''}: from "
                    "then on the plan removes what it grants"
                )
                hint = "move until to extend the access, or leave it to end"
            if expiry.entry is Entry.USER:
                keys = [
                    e.name for e in expiries(self.spec) if e.with_user and e.user == expiry.user
                ]
                if keys:
                    message += f" (and its API key{'s' * (len(keys) > 1)} {', '.join(keys)})"
            yield warning("EF120", message, (*expiry.pointer, "until"), hint)

    # --- deliveries -------------------------------------------------------------------------

    def deliveries(self) -> Iterable[Diagnostic]:
        at: Pointer = ("deliveries",)
        declared = self.spec.deliveries
        known = {d.id: d for d in self.bank.deliveries} if self.bank else None
        if declared.iso_version is not None:
            overridden = {o.delivery for o in declared.overrides}
            concerned = [d for d in (known or {}).values() if d.id not in overridden]
            yield from self._iso_version(declared.iso_version, (*at, "iso_version"), concerned)
        for index, override in enumerate(declared.overrides):
            where: Pointer = (*at, "overrides", index)
            delivery = known.get(override.delivery) if known is not None else None
            if known is not None and delivery is None:
                yield error(
                    "EF110",
                    f"override of unknown delivery '{override.delivery}': client relationship "
                    f"{self.spec.id} has no such delivery",
                    (*where, "delivery"),
                    _suggest(override.delivery, list(known), f"deliveries of {self.spec.id}"),
                )
            elif delivery is not None and delivery.iso_version is None:
                yield error(
                    "EF116",
                    f"delivery '{delivery.id}' ({delivery.kind}) has no ISO version: only camt "
                    "deliveries have one",
                    (*where, "delivery"),
                    "remove this override; PDF deliveries are not versioned",
                )
            yield from self._iso_version(
                override.iso_version, (*where, "iso_version"), [delivery] if delivery else []
            )

    def _iso_version(
        self, version: str, at: Pointer, concerned: Sequence[Delivery] = ()
    ) -> Iterable[Diagnostic]:
        """``concerned``: the bank's deliveries the declared version is for (none offline)."""
        known = list(self.catalog.iso_versions)
        if version not in self.catalog.iso_versions:
            yield error(
                "EF117",
                f"unknown ISO version '{version}'",
                at,
                f"ISO versions of the catalog: {', '.join(known)}",
            )
            return
        latest = self.catalog.iso_versions[known[-1]]
        end = self.catalog.parallel_phase_end
        if self.today > end and version != latest.name:
            yield error(
                "EF109",
                f"ISO version {version} is no longer accepted: the parallel phase ended on "
                f"{end.isoformat()}",
                at,
                _switch_hint(version, latest, concerned),
            )


def _switch_hint(version: str, latest: IsoGeneration, concerned: Sequence[Delivery]) -> str:
    """EF109's hint: what the bank's automatic ISO version change did, or will do."""
    declare = f'declare "{latest.name}" ({latest.camt})'
    switched = sorted(
        (d for d in concerned if d.switched_on is not None and d.iso_version == latest.name),
        key=lambda d: (d.switched_on, d.id),
    )
    if switched:
        days = sorted({d.switched_on.isoformat() for d in switched})
        ids = ", ".join(d.id for d in switched)
        return (
            f"the bank switched {ids} to {latest.name} on {' and '.join(days)} ({LABEL}); {declare}"
        )
    return (
        f"{declare}: after the parallel phase the bank switches every delivery still on "
        f"{version} to {latest.name} itself ({LABEL})"
    )


def _suggest(word: str, candidates: Sequence[str], what: str) -> str:
    """'did you mean …?' for the closest candidates, else the candidates themselves.

    Ids such as IBANs all look alike, so only the candidates as close as the best one count.
    """
    close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.6)
    if close:
        best = _likeness(word, close[0])
        close = [c for c in close if _likeness(word, c) == best]
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    if not candidates:
        return f"there are no {what}"
    return f"{what}: {_listing(candidates)}"


def _likeness(word: str, candidate: str) -> float:
    return difflib.SequenceMatcher(None, word, candidate).ratio()


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown if len(items) <= LISTED else f"{shown} and {len(items) - LISTED} more"

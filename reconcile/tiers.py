"""Risk tiers (ours, the catalog's ``risk_tiers``): changes that need more checkers than the bank.

The bank's four-eyes rule (reconcile.dualcontrol) is the base: a reviewer who is not the author,
and one individual admin or two collective admins among the people. A tier only ever adds to it:
each names ``extra_checkers``, reviewers beyond the base rule's one, and the rules that put a
change in it (a raise to a profile, a new user with a signing profile, an Admin-right change, a
new API key, more than N changes in the relationship). A relationship's tier is the highest tier
any of its changes falls in, and the plan records it with every change that put it there, so
that reviewers read what they must bring before anyone approves.

Where the tier holds: efctl's own check before the order (reconcile.dualcontrol.judge, called by
reconcile.apply), not the bank's. The bank executes an order its own rule accepts at once and
knows no tier, so only holding it back keeps the policy: a relationship short of reviewers is
not submitted, reported "needs approval" with who can still approve, and executes on the apply
after the next approval. The bank's rule, and its check of every order, stay untouched.

The policy is read here from plain data, every problem a Diagnostic with a pointer into the
catalog file (all of them at once), so that a broken policy is refused where it is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconcile.diagnostics import Diagnostic, Pointer, error
from reconcile.model import NO_PROFILE, AdminRight
from reconcile.plan import Action, Address, Change, NoteKind, Resource, TierReason, TierVerdict

BASE_CHECKERS = 1  # the bank's rule: one reviewer who is not the author


class Trigger(StrEnum):
    """What puts a change in a tier; each is one key of a rule in ``when``."""

    RAISE_TO = "raise_to"  # a right raised to one of these profiles (on ``contract_types``)
    NEW_USER_WITH = "new_user_with"  # a new user who gets one of these profiles
    ADMIN_RIGHT = "admin_right"  # any change of an Admin right (``true``)
    NEW_API_KEY = "new_api_key"  # a key issued for a user who held none under its name
    CHANGES_OVER = "changes_over"  # more than this many changes in the relationship


@dataclass(frozen=True)
class TierRule:
    trigger: Trigger
    profiles: tuple[str, ...] = ()  # raise_to, new_user_with
    contract_types: tuple[str, ...] = ()  # raise_to's ``contract_types``; () is every type
    over: int = 0  # changes_over

    def words(self) -> str:
        """The rule as the plan names it: ``raise to sign_individual on account``."""
        match self.trigger:
            case Trigger.RAISE_TO:
                on = f" on {' or '.join(self.contract_types)}" if self.contract_types else ""
                return f"raise to {' or '.join(self.profiles)}{on}"
            case Trigger.NEW_USER_WITH:
                return f"new user with {' or '.join(self.profiles)}"
            case Trigger.ADMIN_RIGHT:
                return "Admin-right change"
            case Trigger.NEW_API_KEY:
                return "new API key"
            case Trigger.CHANGES_OVER:
                return f"more than {self.over} changes"


@dataclass(frozen=True)
class RiskTier:
    tier: int  # its number; higher is riskier
    extra_checkers: int  # reviewers needed beyond the base rule's one
    rules: tuple[TierRule, ...]


def classify(
    changes: Sequence[Change], tiers: Sequence[RiskTier], contract_types: Mapping[str, str]
) -> TierVerdict | None:
    """The relationship's tier and every change that puts it there; None under no tier.

    ``contract_types`` maps the relationship's contract ids to their type.
    """
    for tier in sorted(tiers, key=lambda t: t.tier, reverse=True):
        reasons = [reason for rule in tier.rules for reason in _hits(rule, changes, contract_types)]
        if reasons:
            return TierVerdict(tier.tier, BASE_CHECKERS + tier.extra_checkers, tuple(reasons))
    return None


def _hits(
    rule: TierRule, changes: Sequence[Change], contract_types: Mapping[str, str]
) -> Iterable[TierReason]:
    words = rule.words()
    if rule.trigger is Trigger.CHANGES_OVER:
        if len(changes) > rule.over:
            yield TierReason(words, None, f"{len(changes)} changes in the relationship")
        return
    new_users = {
        change.address
        for change in changes
        if change.resource is Resource.USER and change.action is Action.CREATE
    }
    for change in changes:
        address = Address.parse(change.address)
        before, after = change.before or {}, change.after or {}
        match rule.trigger, change.resource:
            case Trigger.RAISE_TO, Resource.AUTHORIZATION if after.get("profile") in rule.profiles:
                ctype = contract_types.get(address.contract or "", "")
                raised = change.action is Action.CREATE or any(
                    n.kind in (NoteKind.RAISE, NoteKind.UNRANKED) for n in change.notes
                )
                if raised and (not rule.contract_types or ctype in rule.contract_types):
                    held = before.get("profile", NO_PROFILE)
                    text = (
                        f"{address.user}: {address.contract} ({ctype}) {held} -> {after['profile']}"
                    )
                    yield TierReason(words, change.address, text)
            case Trigger.NEW_USER_WITH, Resource.AUTHORIZATION if (
                after.get("profile") in rule.profiles
                and str(Address(address.client, Resource.USER, user=address.user)) in new_users
            ):
                text = f"{address.user} (new): {address.contract} {after['profile']}"
                yield TierReason(words, change.address, text)
            case Trigger.ADMIN_RIGHT, Resource.ADMIN_RIGHT:
                held = before.get("admin", AdminRight.NONE)
                text = (
                    f"{address.user}: Admin right {held} -> {after.get('admin', AdminRight.NONE)}"
                )
                yield TierReason(words, change.address, text)
            case Trigger.NEW_API_KEY, Resource.API_KEY if change.after is not None and (
                change.action is Action.CREATE or before.get("user") != after.get("user")
            ):
                yield TierReason(words, change.address, f"{address.key} for {after['user']}")


# --- the policy as the catalog writes it ------------------------------------------------------

TIER_KEYS = ("tier", "extra_checkers", "when")
TRIGGERS = tuple(t.value for t in Trigger)
RULE_KEYS = (*TRIGGERS, "contract_types")
POLICY_HINT = "a tier: {tier: 2, extra_checkers: 1, when: [{raise_to: sign_individual}]}"


def parse_tiers(
    data: Any, profiles: Sequence[str], contract_types: Iterable[str]
) -> tuple[tuple[RiskTier, ...], list[Diagnostic]]:
    """The catalog's ``risk_tiers`` (None: no tiers) and every problem in it, located."""
    if data is None:
        return (), []
    root: Pointer = ("risk_tiers",)
    if not isinstance(data, list):
        return (), [_wrong_type("risk_tiers", data, root, "a list of tiers", POLICY_HINT)]
    reader = _PolicyReader(tuple(p for p in profiles if p != NO_PROFILE), tuple(contract_types))
    tiers = [tier for index, entry in enumerate(data) if (tier := reader.tier(entry, index))]
    seen: dict[int, int] = {}
    for index, tier in sorted(reader.positions.items(), key=lambda item: item[1].tier):
        at = (*root, index, "tier")
        if tier.tier in seen:
            reader.problems.append(
                error(
                    "EF013",
                    f"risk_tiers[{index}]: tier {tier.tier} is also risk_tiers[{seen[tier.tier]}]",
                    at,
                    "give each tier its own number",
                )
            )
            continue
        lower = [t for t in reader.positions.values() if t.tier < tier.tier]
        if lower and tier.extra_checkers < max(t.extra_checkers for t in lower):
            most = max(lower, key=lambda t: t.extra_checkers)
            reader.problems.append(
                error(
                    "EF013",
                    f"risk_tiers[{index}]: tier {tier.tier} asks for {tier.extra_checkers} extra "
                    f"checker(s), fewer than tier {most.tier} ({most.extra_checkers})",
                    (*root, index, "extra_checkers"),
                    "a higher tier needs at least as many checkers as every lower one",
                )
            )
        seen[tier.tier] = index
    return tuple(sorted(tiers, key=lambda t: t.tier)), reader.problems


class _PolicyReader:
    """Reads tiers and rules, collecting every problem instead of stopping at the first."""

    def __init__(self, profiles: tuple[str, ...], contract_types: tuple[str, ...]):
        self.profiles, self.contract_types = profiles, contract_types
        self.problems: list[Diagnostic] = []
        self.positions: dict[int, RiskTier] = {}  # risk_tiers index -> the tier read there

    def tier(self, entry: Any, index: int) -> RiskTier | None:
        at: Pointer = ("risk_tiers", index)
        name = f"risk_tiers[{index}]"
        if not isinstance(entry, dict):
            self.problems.append(_wrong_type(name, entry, at, "a mapping", POLICY_HINT))
            return None
        if not self._keys(entry, TIER_KEYS, at, name, required=TIER_KEYS):
            return None
        number = self._whole(entry["tier"], (*at, "tier"), f"{name}.tier", least=1)
        extra = self._whole(
            entry["extra_checkers"], (*at, "extra_checkers"), f"{name}.extra_checkers", least=1
        )
        when = entry["when"]
        if not isinstance(when, list) or not when:
            wanted = "a list of rules"
            self.problems.append(
                _wrong_type(f"{name}.when", when, (*at, "when"), wanted, POLICY_HINT)
                if not isinstance(when, list)
                else error(
                    "EF013", f"{name}.when lists no rule", (*at, "when"), f"{wanted}: {POLICY_HINT}"
                )
            )
            return None
        rules = [
            self.rule(rule, (*at, "when", i), f"{name}.when[{i}]") for i, rule in enumerate(when)
        ]
        if number is None or extra is None or None in rules:
            return None
        tier = RiskTier(number, extra, tuple(r for r in rules if r is not None))
        self.positions[index] = tier
        return tier

    def rule(self, rule: Any, at: Pointer, name: str) -> TierRule | None:
        if not isinstance(rule, dict):
            return self._fail(_wrong_type(name, rule, at, "a mapping", POLICY_HINT))
        if not self._keys(rule, RULE_KEYS, at, name):
            return None
        triggers = [Trigger(key) for key in rule if key in TRIGGERS]
        if len(triggers) != 1:
            said = f"{len(triggers)}: {', '.join(triggers)}" if triggers else "none"
            return self._fail(
                error(
                    "EF013",
                    f"{name} must name exactly one of {', '.join(Trigger)} (it names {said})",
                    at,
                    "write one rule per entry of `when`",
                )
            )
        trigger = triggers[0]
        value, where = rule[trigger], (*at, trigger.value)
        if "contract_types" in rule and trigger is not Trigger.RAISE_TO:
            return self._fail(
                error(
                    "EF010",
                    f"contract_types goes with raise_to, not with {trigger} ({name})",
                    (*at, "contract_types"),
                )
            )
        match trigger:
            case Trigger.RAISE_TO | Trigger.NEW_USER_WITH:
                profiles = self._names(value, where, f"{name}.{trigger}", self.profiles, "EF014")
                types = self._names(
                    rule.get("contract_types", []),
                    (*at, "contract_types"),
                    f"{name}.contract_types",
                    self.contract_types,
                    "EF103",
                )
                if profiles is None or types is None:
                    return None
                return TierRule(trigger, profiles, types)
            case Trigger.ADMIN_RIGHT | Trigger.NEW_API_KEY:
                if value is not True:
                    return self._fail(
                        error(
                            "EF013",
                            f"{name}.{trigger} must be true, not {value!r}",
                            where,
                            f"{trigger}: true puts every such change in the tier",
                        )
                    )
                return TierRule(trigger)
            case Trigger.CHANGES_OVER:
                over = self._whole(value, where, f"{name}.{trigger}", least=0)
                return None if over is None else TierRule(trigger, over=over)

    def _keys(
        self,
        entry: dict,
        allowed: Sequence[str],
        at: Pointer,
        name: str,
        required: Sequence[str] = (),
    ) -> bool:
        """Report each key of ENTRY not ALLOWED and each REQUIRED one missing; whether the
        required are there (then the rest of ENTRY is read, for its problems too)."""
        problems = [
            error(
                "EF010",
                f"unknown key {key!r} in {name}",
                (*at, key),
                f"allowed keys: {', '.join(allowed)}",
            )
            for key in entry
            if key not in allowed
        ]
        problems += [
            error("EF011", f"{name} lacks {key!r}", at, POLICY_HINT)
            for key in required
            if key not in entry
        ]
        self.problems += problems
        return all(key in entry for key in required)

    def _whole(self, value: Any, at: Pointer, name: str, *, least: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return self._fail(_wrong_type(name, value, at, "a whole number"))
        if value < least:
            return self._fail(error("EF013", f"{name} must be {least} or more, not {value}", at))
        return value

    def _names(
        self, value: Any, at: Pointer, name: str, allowed: tuple[str, ...], code: str
    ) -> tuple[str, ...] | None:
        """A name or a list of names, each one of ALLOWED."""
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return self._fail(_wrong_type(name, value, at, "a name or a list of names"))
        what = "profile" if code == "EF014" else "contract type"
        unknown = [(i, n) for i, n in enumerate(names) if n not in allowed]
        for i, unknown_name in unknown:
            where = at if isinstance(value, str) else (*at, i)
            self._fail(
                error(
                    code,
                    f"unknown {what} {unknown_name!r} in {name}",
                    where,
                    f"allowed: {', '.join(allowed)}",
                )
            )
        return None if unknown else tuple(names)

    def _fail(self, problem: Diagnostic) -> None:
        """Record PROBLEM; None, for the reader that gives up on the entry."""
        self.problems.append(problem)
        return None


def _wrong_type(
    name: str, value: Any, at: Pointer, wanted: str, hint: str | None = None
) -> Diagnostic:
    return error("EF012", f"{name} must be {wanted}, not {_kind(value)}", at, hint)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"

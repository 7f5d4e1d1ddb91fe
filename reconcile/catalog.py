"""The catalog: the profile ladder, contract types and ISO generations, as data passed in.

The engine never hard-codes a profile or a type; it asks the catalog, so a bank-specific
catalog (``efctl.yaml`` or ``--catalog``) changes behaviour without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reconcile.diagnostics import Diagnostic
from reconcile.model import NO_PROFILE, Contract
from reconcile.tiers import RiskTier, parse_tiers


class CatalogError(ValueError):
    """The catalog data is inconsistent; the message names the entry, ``diagnostics`` (when
    given) point at each problem in the file."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


@dataclass(frozen=True)
class ContractType:
    name: str
    allowed: tuple[str, ...]
    labels: Mapping[str, str]


@dataclass(frozen=True)
class IsoGeneration:
    name: str
    camt: str
    pain: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    profiles: tuple[str, ...]  # the ladder, highest first, ending with 'none'
    profile_labels: Mapping[str, Mapping[str, str]]
    admin_labels: Mapping[str, Mapping[str, str]]
    contract_types: Mapping[str, ContractType]
    iso_versions: Mapping[str, IsoGeneration]
    parallel_phase_end: date
    languages: tuple[str, ...]
    # dual control beyond any peer: nobody checks a change that raises their own rights
    no_checker_for_own_raise: bool = True
    # an API key expiring within this many days is rotated (DOMAIN.md section 8)
    rotate_before_days: int = 30
    # changes that need more checkers than the four-eyes rule (reconcile.tiers), lowest first
    risk_tiers: tuple[RiskTier, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping) -> Catalog:
        try:
            profiles = tuple(p["name"] for p in data["profiles"])
            if not profiles or profiles[-1] != NO_PROFILE:
                raise CatalogError(f"the profile ladder must end with '{NO_PROFILE}'")
            types = {
                t["name"]: ContractType(t["name"], tuple(t["allowed"]), dict(t.get("labels", {})))
                for t in data["contract_types"]
            }
            for t in types.values():
                unknown = [p for p in t.allowed if p not in profiles or p == NO_PROFILE]
                if unknown:
                    raise CatalogError(
                        f"contract type '{t.name}' allows unknown profile(s): {', '.join(unknown)}"
                    )
            end = data["parallel_phase_end"]
            dual_control = data.get("dual_control") or {}
            own_raise = dual_control.get("no_checker_for_own_raise", True)
            if not isinstance(own_raise, bool):
                raise CatalogError("dual_control.no_checker_for_own_raise must be true or false")
            rotate = (data.get("api_keys") or {}).get("rotate_before_days", 30)
            if not isinstance(rotate, int) or isinstance(rotate, bool) or rotate < 0:
                raise CatalogError("api_keys.rotate_before_days must be a whole number of days")
            tiers, problems = parse_tiers(data.get("risk_tiers"), profiles, types)
            if problems:
                raise CatalogError("the risk tier policy has errors (listed above)", problems)
            return cls(
                profiles=profiles,
                profile_labels={p["name"]: dict(p.get("labels", {})) for p in data["profiles"]},
                admin_labels={a["name"]: dict(a.get("labels", {})) for a in data["admin_rights"]},
                contract_types=types,
                iso_versions={
                    str(g["name"]): IsoGeneration(str(g["name"]), g["camt"], tuple(g["pain"]))
                    for g in data["iso_versions"]
                },
                parallel_phase_end=end if isinstance(end, date) else date.fromisoformat(end),
                languages=tuple(data["languages"]),
                no_checker_for_own_raise=own_raise,
                rotate_before_days=rotate,
                risk_tiers=tiers,
            )
        except (KeyError, TypeError) as exc:
            raise CatalogError(f"missing or malformed catalog entry: {exc}") from exc

    def rank(self, profile: str) -> int:
        """Position on the ladder: 0 is the highest; a larger number is a lesser right."""
        return self.profiles.index(profile)

    def allowed_for(self, contract: Contract) -> tuple[str, ...]:
        """Profiles a contract allows: its type's list, narrowed by its own list if it has one."""
        ctype = self.contract_types.get(contract.type)
        allowed = ctype.allowed if ctype else ()
        if contract.allowed is not None:
            allowed = tuple(p for p in allowed if p in contract.allowed)
        return allowed

    def fallback(self, requested: str, contract: Contract) -> str:
        """The bank's rule: the requested profile if allowed, else the next lower allowed one.

        Never escalates; ``none`` when nothing at or below the request is allowed.
        """
        if requested == NO_PROFILE:
            return NO_PROFILE
        allowed = self.allowed_for(contract)
        for profile in self.profiles[self.rank(requested) :]:
            if profile in allowed:
                return profile
        return NO_PROFILE

    def label(self, profile: str, language: str) -> str:
        return self.profile_labels.get(profile, {}).get(language, profile)

"""The catalog as data: what it reads from a mapping, what it refuses, and the bank's ladder."""

from __future__ import annotations

from datetime import date

import pytest

from reconcile.catalog import Catalog, CatalogError, ContractType, IsoGeneration
from reconcile.model import Contract
from reconcile.tiers import RiskTier, TierRule, Trigger


def mapping(**changed) -> dict:
    data = {
        "languages": ["de", "rm"],
        "profiles": [
            {"name": "approve", "labels": {"de": "freigeben"}},
            {"name": "read"},
            {"name": "none"},
        ],
        "admin_rights": [{"name": "none", "labels": {"de": "kein"}}, {"name": "individual"}],
        "contract_types": [
            {"name": "crypto", "allowed": ["approve", "read"], "labels": {"de": "Krypto"}},
            {"name": "loan", "allowed": ["read"]},
        ],
        "iso_versions": [{"name": 2024, "camt": "camt.05x.001.10", "pain": ["pain.001"]}],
        "parallel_phase_end": "2030-01-01",
    }
    return {**data, **changed}


def test_a_catalog_is_read_with_its_defaults():
    assert Catalog.from_mapping(mapping()) == Catalog(
        profiles=("approve", "read", "none"),
        profile_labels={"approve": {"de": "freigeben"}, "read": {}, "none": {}},
        admin_labels={"none": {"de": "kein"}, "individual": {}},
        contract_types={
            "crypto": ContractType("crypto", ("approve", "read"), {"de": "Krypto"}),
            "loan": ContractType("loan", ("read",), {}),
        },
        iso_versions={"2024": IsoGeneration("2024", "camt.05x.001.10", ("pain.001",))},
        parallel_phase_end=date(2030, 1, 1),
        languages=("de", "rm"),
        no_checker_for_own_raise=True,
        rotate_before_days=30,
        risk_tiers=(),
    )


def test_the_policies_are_read_where_given():
    catalog = Catalog.from_mapping(
        mapping(
            parallel_phase_end=date(2029, 6, 30),
            dual_control={"no_checker_for_own_raise": False},
            api_keys={"rotate_before_days": 0},
            risk_tiers=[{"tier": 2, "extra_checkers": 1, "when": [{"raise_to": "approve"}]}],
        )
    )
    assert (
        catalog.parallel_phase_end,
        catalog.no_checker_for_own_raise,
        catalog.rotate_before_days,
        catalog.risk_tiers,
    ) == (
        date(2029, 6, 30),
        False,
        0,
        (RiskTier(2, 1, (TierRule(Trigger.RAISE_TO, ("approve",)),)),),
    )


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"profiles": [{"name": "read"}]}, "the profile ladder must end with 'none'"),
        ({"profiles": []}, "the profile ladder must end with 'none'"),
        (
            {"contract_types": [{"name": "crypto", "allowed": ["read", "sign", "none"]}]},
            "contract type 'crypto' allows unknown profile(s): sign, none",
        ),
        (
            {"dual_control": {"no_checker_for_own_raise": "no"}},
            "dual_control.no_checker_for_own_raise must be true or false",
        ),
        *(
            ({"api_keys": {"rotate_before_days": days}}, "api_keys.rotate_before_days must be a "
             "whole number of days")
            for days in (-1, True, "30", 1.5)
        ),
        ({"languages": None}, "missing or malformed catalog entry: 'NoneType' object is not"
         " iterable"),
        ({"iso_versions": [{"name": "2024"}]}, "missing or malformed catalog entry: 'camt'"),
    ],
)  # fmt: skip
def test_an_inconsistent_catalog_is_refused_naming_the_entry(changed, message):
    with pytest.raises(CatalogError) as refused:
        Catalog.from_mapping(mapping(**changed))
    assert (str(refused.value), refused.value.diagnostics) == (message, ())


def test_a_catalog_without_an_entry_names_it():
    data = mapping()
    del data["admin_rights"]
    with pytest.raises(CatalogError, match=r"^missing or malformed catalog entry: 'admin_rights'$"):
        Catalog.from_mapping(data)


def test_a_broken_tier_policy_is_refused_with_each_problem():
    with pytest.raises(CatalogError) as refused:
        Catalog.from_mapping(mapping(risk_tiers=[{"tier": 2}]))
    assert str(refused.value) == "the risk tier policy has errors (listed above)"
    assert [(d.code, d.message) for d in refused.value.diagnostics] == [
        ("EF011", "risk_tiers[0] lacks 'extra_checkers'"),
        ("EF011", "risk_tiers[0] lacks 'when'"),
    ]


def test_a_label_falls_back_to_the_profile_name():
    catalog = Catalog.from_mapping(mapping())
    assert catalog.label("approve", "de") == "freigeben"
    assert catalog.label("approve", "rm") == "approve"
    assert catalog.label("read", "de") == "read"
    assert catalog.label("sign", "de") == "sign"  # a profile the catalog no longer has


@pytest.mark.parametrize(
    ("contract", "requested", "allowed", "assigned"),
    [
        (Contract("C1", "crypto", "Wallet"), "approve", ("approve", "read"), "approve"),
        (Contract("C2", "crypto", "Wallet", ("read",)), "approve", ("read",), "read"),
        (Contract("L1", "loan", "Loan"), "approve", ("read",), "read"),
        (Contract("L2", "loan", "Loan", ("approve",)), "read", (), "none"),
        (Contract("X1", "unknown", "Other"), "read", (), "none"),
        (Contract("C3", "crypto", "Wallet"), "none", ("approve", "read"), "none"),
    ],
)
def test_the_bank_assigns_the_requested_profile_or_the_next_lower_allowed(
    contract, requested, allowed, assigned
):
    catalog = Catalog.from_mapping(mapping())
    assert (catalog.allowed_for(contract), catalog.fallback(requested, contract)) == (
        allowed,
        assigned,
    )
    assert [catalog.rank(p) for p in catalog.profiles] == [0, 1, 2]

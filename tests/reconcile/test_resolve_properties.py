"""Properties of the resolver over random (often invalid) declarations and contract lists."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from efctl.catalog import load_catalog
from reconcile.checks import check_client
from reconcile.model import ClientSpec, ClientState, Contract, Grants, SingleGrant, UserSpec
from reconcile.resolve import copy_cycles, describe_cycle, resolve_client

CATALOG = load_catalog()
TYPES = [*CATALOG.contract_types, "leasing"]  # and one type the catalog does not know
PROFILES = [*CATALOG.profiles, "sign_all"]  # and one profile it does not know
USER_IDS = ["anna", "bruno", "carla", "dora", "emil"]
CONTRACT_IDS = ["CH01", "CH02", "CH03", "EB01", "DP01", "BS01", "KA01"]

contracts_st = st.lists(
    st.builds(
        Contract,
        id=st.sampled_from(CONTRACT_IDS),
        type=st.sampled_from(TYPES),
        name=st.just("a contract"),
        allowed=st.none() | st.lists(st.sampled_from(PROFILES), max_size=4).map(tuple),
    ),
    max_size=7,
    unique_by=lambda c: c.id,
).map(tuple)

grants_st = st.builds(
    Grants,
    all=st.none()
    | st.dictionaries(st.sampled_from([*TYPES, "*"]), st.sampled_from(PROFILES), max_size=4),
    copy_from=st.none() | st.sampled_from([*USER_IDS, "ghost"]),
    exclude=st.lists(st.sampled_from([*CONTRACT_IDS, *TYPES, "XX"]), max_size=3).map(tuple),
    single=st.lists(
        st.builds(SingleGrant, st.sampled_from([*CONTRACT_IDS, "XX"]), st.sampled_from(PROFILES)),
        max_size=3,
    ).map(tuple),
)

users_st = st.lists(
    st.builds(
        UserSpec,
        id=st.sampled_from(USER_IDS),
        name=st.just("A User"),
        admin=st.sampled_from(["none", "individual", "collective"]),
        grants=grants_st,
    ),
    max_size=6,
).map(tuple)

specs_st = st.builds(
    ClientSpec,
    id=st.just("10432210"),
    name=st.just("Muster"),
    language=st.just("de"),
    users=users_st,
)


@given(specs_st, contracts_st)
def test_resolved_profile_never_ranks_above_the_requested_one(spec, contracts):
    for user in resolve_client(spec, contracts, CATALOG).users.values():
        for right in user.rights.values():
            assert CATALOG.rank(right.profile) >= CATALOG.rank(right.requested)


@given(specs_st, contracts_st)
def test_every_effective_profile_is_allowed_on_its_contract(spec, contracts):
    by_id = {c.id: c for c in contracts}
    for user in resolve_client(spec, contracts, CATALOG).users.values():
        for contract_id, right in user.rights.items():
            assert right.profile in CATALOG.allowed_for(by_id[contract_id])
            assert (right.fallback is not None) == (right.profile != right.requested)
        assert all(right.profile == "none" for right in user.dropped.values())


@given(specs_st, contracts_st)
def test_a_copy_without_singles_is_the_source_minus_exclusions(spec, contracts):
    resolution = resolve_client(spec, contracts, CATALOG)
    on_cycle = {uid for cycle in copy_cycles(spec) for uid in cycle}
    types = {c.id: c.type for c in contracts}
    for uid, resolved in resolution.users.items():
        grants = spec.user(uid).grants
        source = grants.copy_from
        if grants.single or grants.all is not None or source not in resolution.users:
            continue
        if uid in on_cycle:
            assert resolved.rights == {}
            continue
        expected = {
            contract: profile
            for contract, profile in resolution.users[source].profiles().items()
            if contract not in grants.exclude and types[contract] not in grants.exclude
        }
        assert resolved.profiles() == expected


@given(specs_st, contracts_st, st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_resolve_and_check_never_raise_and_are_deterministic(spec, contracts, today):
    first = resolve_client(spec, contracts, CATALOG)
    assert first == resolve_client(spec, contracts, CATALOG)
    assert list(first.users) == list(dict.fromkeys(u.id for u in spec.users))
    order = [c.id for c in contracts]
    for user in first.users.values():
        assert list(user.rights) == [c for c in order if c in user.rights]
    bank = ClientState("10432210", "Muster", "de", 1, contracts=contracts)
    problems = check_client(spec, bank, CATALOG, today)
    assert problems == check_client(spec, bank, CATALOG, today)


def test_each_copy_cycle_is_found_once_whoever_copies_into_it(declare):
    spec = declare(
        """
        users:
          - {id: a, name: A, authorizations: {copy_from: b}}
          - {id: b, name: B, authorizations: {copy_from: a}}
          - {id: c, name: C, authorizations: {copy_from: a}}
          - {id: d, name: D, authorizations: {copy_from: nobody}}
        """
    )
    assert copy_cycles(spec) == [("a", "b")]


def test_a_cycle_starts_at_its_first_declared_member_and_cycles_keep_declared_order(declare):
    """The walk from x enters the cycle at a, but b is declared first; the cycle of z1 and z2
    is declared before that of b and a, whatever their names sort as."""
    spec = declare(
        """
        users:
          - {id: x, name: X, authorizations: {copy_from: a}}
          - {id: z2, name: Z2, authorizations: {copy_from: z1}}
          - {id: b, name: B, authorizations: {copy_from: a}}
          - {id: a, name: A, authorizations: {copy_from: b}}
          - {id: z1, name: Z1, authorizations: {copy_from: z2}}
        """
    )
    assert copy_cycles(spec) == [("z2", "z1"), ("b", "a")]
    assert [describe_cycle(c) for c in copy_cycles(spec)] == ["z2 -> z1 -> z2", "b -> a -> b"]

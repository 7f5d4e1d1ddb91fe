"""Properties of the planner over random declarations against random bank states: it never
raises, is deterministic, and its rights changes are exactly the difference between what the
bank holds and what the declaration resolves to."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from efctl.catalog import load_catalog
from reconcile.model import (
    NO_PROFILE,
    ClientSpec,
    ClientState,
    Contract,
    Grants,
    SingleGrant,
    UserSpec,
    UserState,
)
from reconcile.plan import Action, Address, Resource
from reconcile.planner import plan_client
from reconcile.resolve import declared_users, resolve_client

CATALOG = load_catalog()
TYPES = list(CATALOG.contract_types)
PROFILES = list(CATALOG.profiles)
PEOPLE = [f"user{n}" for n in range(6)]
TODAY = date(2026, 6, 1)


@st.composite
def bank_states(draw) -> ClientState:
    """Contracts (some narrowed) and users holding allowed profiles on some of them."""
    contracts = []
    for index in range(draw(st.integers(0, 6))):
        contract_type = draw(st.sampled_from(TYPES))
        offered = CATALOG.contract_types[contract_type].allowed
        narrowed = draw(st.none() | st.lists(st.sampled_from(offered), unique=True).map(tuple))
        contracts.append(Contract(f"C{index}", contract_type, "a contract", narrowed))
    users = []
    for uid in draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=5)):
        rights = {}
        for contract in contracts:
            profile = draw(st.sampled_from([*CATALOG.allowed_for(contract), NO_PROFILE]))
            if profile != NO_PROFILE:
                rights[contract.id] = profile
        admin = draw(st.sampled_from(["none", "individual", "collective"]))
        users.append(
            UserState(uid, uid.title(), None, "de", None, admin=admin, authorizations=rights)
        )
    return ClientState("10432210", "Muster", "de", 3, tuple(contracts), users=tuple(users))


GRANTS = st.builds(
    Grants,
    all=st.none()
    | st.dictionaries(st.sampled_from([*TYPES, "*"]), st.sampled_from(PROFILES), max_size=3),
    copy_from=st.none() | st.sampled_from(PEOPLE),
    exclude=st.lists(st.sampled_from([f"C{n}" for n in range(6)] + TYPES), max_size=2).map(tuple),
    single=st.lists(
        st.builds(
            SingleGrant, st.sampled_from([f"C{n}" for n in range(6)]), st.sampled_from(PROFILES)
        ),
        max_size=3,
    ).map(tuple),
)
SPECS = st.builds(
    ClientSpec,
    id=st.just("10432210"),
    name=st.just("Muster"),
    language=st.just("de"),
    users=st.lists(
        st.builds(
            UserSpec,
            id=st.sampled_from(PEOPLE),
            name=st.sampled_from(["User0", "Someone"]),
            admin=st.sampled_from(["none", "individual", "collective"]),
            grants=GRANTS,
        ),
        max_size=5,
        unique_by=lambda user: user.id,
    ).map(tuple),
)


@given(SPECS, bank_states(), st.booleans())
def test_rights_changes_are_exactly_the_difference_of_bank_and_resolution(spec, state, mass):
    resolution = resolve_client(spec, state.contracts, CATALOG)
    plan, problems = plan_client(
        spec, resolution, state, CATALOG, {}, allow_mass_removal=mass, today=TODAY
    )
    assert (plan, problems) == plan_client(
        spec, resolution, state, CATALOG, {}, allow_mass_removal=mass, today=TODAY
    )
    assert (plan.client, plan.serial) == (state.id, state.serial)

    held = {(u.id, c): p for u in state.users for c, p in u.authorizations.items()}
    wanted = {
        (uid, contract): profile
        for uid in declared_users(spec)
        for contract, profile in resolution.users[uid].profiles().items()
        if profile != NO_PROFILE
    }
    planned = {}
    for change in plan.changes:
        address = Address.parse(change.address)
        assert address.client == state.id
        if change.resource is Resource.AUTHORIZATION:
            key = (address.user, address.contract)
            assert key not in planned  # one change per right
            before = None if change.before is None else change.before["profile"]
            after = None if change.after is None else change.after["profile"]
            assert before == held.get(key) and before != after
            assert change.action is (
                Action.CREATE
                if before is None
                else Action.DELETE
                if after is None
                else Action.UPDATE
            )
            planned[key] = after
    # applying the planned rights to the bank's gives exactly the declared ones
    assert {k: v for k, v in (held | planned).items() if v is not None} == wanted

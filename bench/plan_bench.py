"""How fast efctl plans, as a ratio against a floor measured in the same run.

The floor is the least any planner must do: touch every desired and actual right once (build
two dicts and compare them). The benchmark resolves and diffs a relationship of USERS x
CONTRACTS rights through reconcile's real code and reports seconds and the ratio to the floor,
so the number means the same on a fast laptop and a loaded CI runner.

    python bench/plan_bench.py                  # 2,000 users x 25 contracts (50,000 rights)
    python bench/plan_bench.py --users 20000    # 500,000 rights
"""

from __future__ import annotations

import argparse
import time

from efctl.catalog import load_catalog
from reconcile.model import ClientSpec, ClientState, Contract, Grants, UserSpec, UserState
from reconcile.planner import plan_client
from reconcile.resolve import resolve_client

TYPES = ("account", "deposit", "ebill", "cards", "custody")
PROFILES = {
    "account": "sign_collective",
    "deposit": "read",
    "ebill": "capture",
    "cards": "read",
    "custody": "read",
}


def fleet(users: int, contracts: int) -> tuple[ClientSpec, ClientState]:
    """A relationship where every 10th user has one right changed at the bank."""
    contract_list = tuple(
        Contract(f"C{i:05d}", TYPES[i % len(TYPES)], f"contract {i}") for i in range(contracts)
    )
    specs, states = [], []
    for n in range(users):
        uid = f"user.{n:06d}"
        specs.append(
            UserSpec(
                uid,
                f"User {n}",
                admin="collective" if n < 2 else "none",
                grants=Grants(all=dict(PROFILES)),
            )
        )
        rights = {c.id: PROFILES[c.type] for c in contract_list}
        if n % 10 == 0:
            rights[contract_list[0].id] = "read"
        states.append(
            UserState(uid, f"User {n}", None, "de", None, "collective" if n < 2 else "none", rights)
        )
    spec = ClientSpec("10000001", "Bench AG", "de", tuple(specs))
    return spec, ClientState("10000001", "Bench AG", "de", 1, contract_list, (), tuple(states))


def floor(spec: ClientSpec, state: ClientState) -> float:
    started = time.perf_counter()
    desired = {(u.id, c.id): PROFILES[c.type] for u in spec.users for c in state.contracts}
    actual = {(u.id, c): p for u in state.users for c, p in u.authorizations.items()}
    sum(1 for key, value in desired.items() if actual.get(key) != value)
    return time.perf_counter() - started


def efctl_plan(spec: ClientSpec, state: ClientState) -> tuple[float, int]:
    catalog = load_catalog()
    started = time.perf_counter()
    resolution = resolve_client(spec, state.contracts, catalog)
    client_plan, _ = plan_client(spec, resolution, state, catalog, {})
    return time.perf_counter() - started, len(client_plan.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--contracts", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec, state = fleet(args.users, args.contracts)
    rights = args.users * args.contracts
    floors = [floor(spec, state) for _ in range(args.repeat)]
    runs = [efctl_plan(spec, state) for _ in range(args.repeat)]
    best_floor, best = min(floors), min(seconds for seconds, _ in runs)
    print(f"rights: {rights:,}  changes: {runs[0][1]:,}")
    print(f"floor:  {best_floor:.3f} s   (touch every right once)")
    print(f"plan:   {best:.3f} s   (resolve + diff + rules)")
    print(f"ratio:  {best / best_floor:.1f}x the floor; {rights / best:,.0f} rights/s")


if __name__ == "__main__":
    main()

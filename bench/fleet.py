"""A deterministic fleet of relationships: declarations, the bank's seed, and an efctl.yaml.

    python bench/fleet.py --size M --out bench/fleets/M

Sizes: S = 10, M = 200, L = 1,000 relationships, each of 50 users and 20 contracts (about
183,000 rights on M). The grants mix what real declarations do: about 60 % ``all`` (a handful
of templates), 25 % ``copy_from`` an earlier user with ``exclude`` entries, 15 % ``all`` plus
``single`` corrections; some contracts are narrowed (joint signature required), so a share of
the rights falls back. The bank holds what the declarations resolve to, with about 2 % of the
rights drifted (a different profile, or missing, or one extra), so the plan has work to do.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from efctl.catalog import load_catalog
from efctl.declarations.convert import to_client_spec
from efctl.declarations.loader import dump_document
from reconcile.model import Contract
from reconcile.resolve import resolve_client

SIZES = {"S": 10, "M": 200, "L": 1000}
USERS = 50
CONTRACTS = 20
DRIFT = 0.02
FIRST_CLIENT = 50_000_001

# (type, how many of the 20)
CONTRACT_MIX = (
    ("account", 8),
    ("deposit", 2),
    ("ebill", 2),
    ("cards", 2),
    ("custody", 2),
    ("file_transfer", 2),
    ("account", 2),  # narrowed accounts: joint signature only
)
TEMPLATES = (
    {"account": "sign_collective", "file_transfer": "sign_collective", "*": "read"},
    {"account": "sign_individual", "ebill": "sign_individual", "*": "read"},
    {"account": "capture", "ebill": "capture", "*": "read"},
    {"*": "read"},
    {"account": "sign_collective", "deposit": "sign_collective", "ebill": "capture", "*": "read"},
)
FIRST_NAMES = ("anna", "bruno", "carla", "daniel", "elena", "fabio", "gina", "hans", "ines", "jan")
LAST_NAMES = ("muster", "keller", "meier", "rossi", "favre", "huber", "frei", "weber", "roth")
LANGUAGES = ("de", "fr", "it", "en")


def contracts_of(client: str) -> list[dict]:
    contracts = []
    for kind, count in CONTRACT_MIX:
        narrowed = len(contracts) >= 18
        for _ in range(count):
            n = len(contracts) + 1
            if kind == "account":
                entry = {"id": f"CH{int(client) * 100 + n:019d}", "type": kind}
            else:
                entry = {"id": f"{kind[:2].upper()}-{client}-{n}", "type": kind}
            entry["name"] = f"{kind} {n}"
            if narrowed:
                entry["allowed"] = ["sign_collective", "capture", "read"]
            contracts.append(entry)
    return contracts


def user_id(index: int) -> str:
    return (
        f"{FIRST_NAMES[index % len(FIRST_NAMES)]}."
        f"{LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]}.{index:03d}"
    )


def declaration(client: str, number: int, rng: random.Random, contracts: list[dict]) -> dict:
    language = LANGUAGES[number % len(LANGUAGES)]
    users = []
    for index in range(USERS):
        uid = user_id(index)
        user: dict = {"id": uid, "name": uid.replace(".", " ").title(), "email": f"{uid}@c.ch"}
        if index < 2:
            user["admin"] = "collective"
            grants: dict = {"all": dict(TEMPLATES[0])}
        else:
            roll = rng.random()
            if roll < 0.60:
                grants = {"all": dict(rng.choice(TEMPLATES))}
            elif roll < 0.85:
                source = user_id(rng.randrange(index))
                excluded = rng.sample([c["id"] for c in contracts], 2)
                grants = {"copy_from": source, "exclude": [rng.choice(("cards", "custody"))]}
                grants["exclude"] += excluded[:1]
            else:
                grants = {"all": dict(rng.choice(TEMPLATES))}
                grants["single"] = [
                    {
                        "contract": c["id"],
                        "profile": "read" if c["type"] != "account" else "capture",
                    }
                    for c in rng.sample(contracts, 2)
                ]
        user["authorizations"] = grants
        users.append(user)
    return {
        "version": 1,
        "client": {"id": client, "name": f"Bench {number} AG", "language": language},
        "deliveries": {"iso_version": "2019"},
        "users": users,
    }


def bank_side(declared: dict, contracts: list[dict], rng: random.Random, catalog) -> dict:
    spec = to_client_spec(declared)
    contract_rows = tuple(
        Contract(c["id"], c["type"], c["name"], tuple(c["allowed"]) if "allowed" in c else None)
        for c in contracts
    )
    resolution = resolve_client(spec, contract_rows, catalog)
    by_id = {c.id: c for c in contract_rows}
    users = []
    for user in declared["users"]:
        rights = {c: r.profile for c, r in resolution.users[user["id"]].rights.items()}
        if user.get("admin") is None:  # drift only on non-admins: the plan stays approvable
            for contract in contracts:
                if rng.random() >= DRIFT:
                    continue
                held = rights.get(contract["id"])
                if held is None:
                    rights[contract["id"]] = "read"
                    continue
                allowed = catalog.allowed_for(by_id[contract["id"]])
                others = [p for p in allowed if p != held]
                if others and rng.random() >= 0.25:
                    rights[contract["id"]] = rng.choice(others)
                else:
                    del rights[contract["id"]]
        users.append(
            {
                "id": user["id"],
                "name": user["name"],
                "email": user["email"],
                "admin": user.get("admin", "none"),
                "authorizations": rights,
            }
        )
    return {
        "version": 1,
        "client": declared["client"],
        "serial": 1,
        "contracts": contracts,
        "signatories": [
            {"name": u["name"], "signature": "collective"} for u in declared["users"][:2]
        ],
        "users": users,
    }


def generate(size: str, out: Path, seed: int = 11, count: int | None = None) -> int:
    """Write the fleet to OUT (clients/, bank/, efctl.yaml); the number of relationships
    (SIZE's, or ``count`` of them: the first relationships of every size are the same)."""
    catalog = load_catalog()
    (out / "clients").mkdir(parents=True, exist_ok=True)
    (out / "bank").mkdir(parents=True, exist_ok=True)
    (out / "bank-empty").mkdir(parents=True, exist_ok=True)
    count = SIZES[size] if count is None else count
    for number in range(count):
        rng = random.Random(f"{seed}/{number}")
        client = str(FIRST_CLIENT + number)
        contracts = contracts_of(client)
        declared = declaration(client, number, rng, contracts)
        bank = bank_side(declared, contracts, rng, catalog)
        header = "# yaml-language-server: $schema=../../../schemas/client.schema.json\n"
        (out / "clients" / f"{client}.yaml").write_text(header + dump_document(declared))
        (out / "bank" / f"{client}.yaml").write_text(dump_document(bank))
        empty = {**bank, "users": bank["users"][:2]}  # only the admins the bank's form made
        (out / "bank-empty" / f"{client}.yaml").write_text(dump_document(empty))
    (out / "efctl.yaml").write_text(
        "clients: clients\nseed: bank\nbackend: sqlite:///bank.db\n", encoding="utf-8"
    )
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "fleets" / args.size
    print(f"{generate(args.size, out)} relationships in {out}")


if __name__ == "__main__":
    main()

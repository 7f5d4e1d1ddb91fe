"""Plan fixtures for the view tests, and golden files (EFCTL_UPDATE_GOLDEN=1 rewrites them).

fixtures/full.json has every action and resource kind, fallbacks, drift, manual Admin-right
changes, mass removal with its warning, and a relationship without changes whose name needs
escaping; fixtures/empty.json is a plan without changes. Both are Plan.to_json output and
validate against schemas/plan.schema.json (test_fixtures_are_plans).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconcile.plan import Action, Approval, Change, ClientPlan, EligibleAdmin, Plan, Resource

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
EXPECTED = HERE / "expected"


def load_plan(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=["full", "empty"])
def fixture_plan(request) -> dict:
    return load_plan(request.param)


@pytest.fixture
def full() -> dict:
    return load_plan("full")


@pytest.fixture
def empty() -> dict:
    return load_plan("empty")


@pytest.fixture
def golden():
    """``golden(name, actual)`` asserts ``actual`` equals expected/``name``."""

    def check(name: str, actual: str) -> None:
        path = EXPECTED / name
        if os.environ.get("EFCTL_UPDATE_GOLDEN"):
            path.write_text(actual, encoding="utf-8")
        assert actual == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def generate():
    return _generated_plan


def _generated_plan(relationships: int, users: int, contracts: int = 4) -> dict:
    """A plan creating ``users`` users with ``contracts`` rights each in every relationship."""
    clients = []
    for n in range(relationships):
        client = str(50000000 + n)
        changes = []
        for u in range(users):
            user = f"user.{u:04d}"
            fields = {
                "name": f"User {u}",
                "email": f"{user}@firm{n}.example.ch",
                "language": "de",
                "github": None,
            }
            changes.append(
                Change(f"{client}/users/{user}", Action.CREATE, Resource.USER, None, fields)
            )
            changes += [
                Change(
                    f"{client}/users/{user}/authorizations/CH93007620116238{c:05d}",
                    Action.CREATE,
                    Resource.AUTHORIZATION,
                    None,
                    {"profile": "read"},
                )
                for c in range(contracts)
            ]
        admins = (EligibleAdmin("admin.one", "admin-one"), EligibleAdmin("admin.two", None))
        approval = Approval("one individual admin", admins)
        clients.append(ClientPlan(client, f"Firm {n} AG", 1, tuple(changes), approval))
    plan = Plan(tuple(clients), "0" * 40, "sha256:" + "0" * 64, {"allow_mass_removal": False})
    return plan.to_json("2026-11-28T09:30:00Z")

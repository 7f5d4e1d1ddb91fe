"""Crash safety: `efctl apply` killed with SIGKILL at random moments, on SQLite and PostgreSQL.

A fleet of 50 relationships, each with changes (a user created, a right lowered; every fifth
also an API key for the new user), is planned and approved once. Each trial resets the bank,
starts the real `efctl apply` as a process, kills it with SIGKILL at a random moment (fixed
seed: once the bank has executed a random number of its orders, plus a random few
milliseconds, so that kills fall between and inside orders and key requests) and checks:

* every relationship is entirely as before or entirely as after the plan (users, rights,
  deliveries and serial; its order is one transaction), and so was every state of it another
  reader saw while the apply ran;
* `efctl audit verify` finds the chain intact;
* every key the bank holds active has its secret in the sink (a key whose secret was not
  delivered stays inactive, and the next plan replaces it);
* `efctl plan` + approve + `efctl apply` again reaches the desired state, after which
  `efctl plan --detailed-exitcode` shows no change.

A few trials run in every suite; EFCTL_NIGHTLY=1 runs 20 on SQLite and 10 on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from efctl.cli import cli
from efctl.sandbox import open_store
from reconcile.model import ClientState, KeyState

pytestmark = pytest.mark.stores("sqlite", "postgresql")

NIGHTLY = os.environ.get("EFCTL_NIGHTLY") == "1"
TRIALS = {"sqlite": 20 if NIGHTLY else 2, "postgresql": 10 if NIGHTLY else 1}
RELATIONSHIPS = 50
FIRST = 30_000_001
AUTHOR, APPROVER = "alice.admin", "bob.admin"
ROOT = Path(__file__).resolve().parents[2]


def _keypair(folder: Path) -> tuple[Path, str]:
    """The approver's throwaway ed25519 key (real ssh-keygen) and its public line."""
    folder.mkdir(parents=True)
    key = folder / APPROVER
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key, key.with_name(APPROVER + ".pub").read_text(encoding="utf-8").strip()


def _ids() -> list[str]:
    return [str(FIRST + n) for n in range(RELATIONSHIPS)]


def _bank_seed(client: str, bob_key: str) -> str:
    account, billing = f"AC-{client}-1", f"BS-{client}-1"
    return f"""\
version: 1
client: {{id: "{client}", name: Kunde {client} AG, language: de}}
serial: 1
contracts:
  - {{id: {account}, type: account, name: Konto}}
  - {{id: {billing}, type: billing_solutions, name: Billing Solutions}}
signatories: [{{name: Alice Admin, signature: individual}}]
users:
  - {{id: {AUTHOR}, name: Alice Admin, language: de, admin: individual,
     authorizations: {{{account}: sign_individual, {billing}: sign_individual}}}}
  - {{id: {APPROVER}, name: Bob Admin, language: de, admin: individual,
     signing_key: "{bob_key}", authorizations: {{{account}: sign_individual}}}}
  - {{id: dave.user, name: Dave User, language: de, authorizations: {{{account}: capture}}}}
"""


def _declaration(client: str, bob_key: str, with_key: bool) -> str:
    key = "api_keys: [{name: erp, user: carol.new}]\n" if with_key else ""
    return f"""\
version: 1
client: {{id: "{client}", name: Kunde {client} AG, language: de}}
users:
  - id: {AUTHOR}
    name: Alice Admin
    admin: individual
    authorizations: {{all: {{account: sign_individual, billing_solutions: sign_individual}}}}
  - id: {APPROVER}
    name: Bob Admin
    admin: individual
    signing_key: "{bob_key}"
    authorizations: {{all: {{account: sign_individual}}}}
  - id: dave.user
    name: Dave User
    authorizations: {{all: {{account: read}}}}
  - id: carol.new
    name: Carol New
    authorizations: {{all: {{'*': read}}}}
{key}"""


class Fleet:
    """A repository of RELATIONSHIPS declarations, its bank, the plan and its approvals."""

    def __init__(self, root: Path, store_url: str):
        self.root, self.url = root, store_url
        self.env = {
            "EFCTL_BACKEND": store_url,
            "EFCTL_TODAY": "2026-11-20",
            "NO_COLOR": "1",
            "PYTHONPATH": str(ROOT),
        }
        self.bob, line = _keypair(root.parent / "keys")
        self.secrets = root.parent / "secrets"
        for folder in ("clients", "bank"):
            (root / folder).mkdir(parents=True)
        (root / "efctl.yaml").write_text("clients: clients\nseed: bank\n", encoding="utf-8")
        for number, client in enumerate(_ids()):
            (root / "bank" / f"{client}.yaml").write_text(_bank_seed(client, line), "utf-8")
            text = _declaration(client, line, with_key=number % 5 == 0)
            (root / "clients" / f"{client}.yaml").write_text(text, encoding="utf-8")

    def efctl(self, *args: str, check: int = 0):
        """The real command line, in this process (only the apply that is killed is not)."""
        done = CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)
        assert done.exit_code == check, (args, done.output)
        return done

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from efctl.cli import main; main()", *args]

    def reset(self) -> None:
        self.efctl("sandbox", "reset")
        shutil.rmtree(self.secrets, ignore_errors=True)
        self.secrets.mkdir(mode=0o700)

    def plan_and_approve(self, name: str) -> None:
        """The plan of what is left to do, as NAME.json, approved in NAME.approvals.json."""
        (self.root / f"{name}.approvals.json").unlink(missing_ok=True)
        self.efctl("plan", "--out", f"{name}.json")
        key = ("--key", str(self.bob))
        self.efctl("approve", f"{name}.json", "--as", APPROVER, "--author", AUTHOR, *key)

    def apply(self, name: str) -> list[str]:
        approvals = f"{name}.approvals.json"
        return [
            "apply",
            f"{name}.json",
            "--approvals",
            approvals,
            "--secrets-dir",
            str(self.secrets),
        ]

    def states(self) -> dict[str, ClientState]:
        with open_store(self.url) as store:
            return {client: store.read_client(client) for client in _ids()}


def _orders_part(state: ClientState) -> tuple:
    """What a relationship's order changes, in one transaction: everything but the keys."""
    return (state.serial, state.users, state.deliveries)


def _keys(state: ClientState) -> set[tuple[str, str, KeyState]]:
    return {(k.name, k.user, k.state) for k in state.api_keys}


@pytest.fixture
def fleet(tmp_path, store_url, monkeypatch) -> Fleet:
    fleet = Fleet(tmp_path / "repo", store_url)
    monkeypatch.chdir(fleet.root)
    fleet.efctl("sandbox", "init")
    return fleet


def _kill_after(
    process: subprocess.Popen, url: str, orders: int, delay: float
) -> dict[str, dict[str, tuple]]:
    """SIGKILL the apply DELAY seconds after the bank has executed ORDERS of its orders.

    Until then, the relationships being applied are read again and again, each in its own
    transaction: what another reader can see committed is what a kill at that moment would
    leave, so the states seen are returned too (a few trials' kills alone rarely land inside
    one order)."""
    ids = _ids()
    seen: dict[str, dict[str, tuple]] = {client: {} for client in ids}  # by repr: dicts
    with open_store(url) as store:
        deadline = None
        while process.poll() is None and (deadline is None or time.monotonic() < deadline):
            executed = len(store.audit_entries())  # apply goes in the plan's order, by id
            for client in ids[max(executed - 1, 0) : executed + 2]:  # the one in the works
                state = _orders_part(store.read_client(client))
                seen[client][repr(state)] = state
            if deadline is None and executed >= orders:
                deadline = time.monotonic() + delay
    process.send_signal(signal.SIGKILL)
    process.wait()
    return seen


def test_apply_killed_at_random_moments_leaves_each_relationship_before_or_after(fleet):
    engine = "sqlite" if fleet.url.startswith("sqlite") else "postgresql"
    fleet.reset()
    before = fleet.states()
    fleet.plan_and_approve("whole")  # every trial's: after a reset the bank is as planned
    after: dict[str, tuple] | None = None  # the desired state, as the first trial reaches it
    chosen = random.Random(12)  # the moments: after how many orders, then how long after
    for _ in range(TRIALS[engine]):
        orders, delay = chosen.randrange(RELATIONSHIPS - 5), chosen.uniform(0, 0.1)
        fleet.reset()
        process = subprocess.Popen(
            fleet.command(*fleet.apply("whole")),
            cwd=fleet.root,
            env={**os.environ, **fleet.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        seen = _kill_after(process, fleet.url, orders, delay)
        assert process.returncode == -signal.SIGKILL, process.stdout.read()
        killed = fleet.states()
        fleet.efctl("audit", "verify")
        delivered = {p.name.split(".")[2] for p in fleet.secrets.iterdir()}
        for client in _ids():
            for key in killed[client].api_keys:
                if key.state is KeyState.ACTIVE:  # an active key's secret reached the sink
                    assert key.fingerprint.removeprefix("sha256:") in delivered, (client, key)

        fleet.plan_and_approve("rest")  # what is left, planned and applied again
        fleet.efctl(*fleet.apply("rest"))
        fleet.efctl("plan", "--detailed-exitcode")  # the bank is as declared
        again = {c: (_orders_part(s), _keys(s)) for c, s in fleet.states().items()}
        after = after or again
        assert again == after

        done = [c for c in _ids() if _orders_part(killed[c]) == after[c][0]]
        untouched = [c for c in _ids() if _orders_part(killed[c]) == _orders_part(before[c])]
        assert sorted(done + untouched) == _ids(), "a relationship is neither before nor after"
        for client, states in seen.items():
            ends = (_orders_part(before[client]), after[client][0])
            halfway = [state for state in states.values() if state not in ends]
            assert not halfway, f"{client} was seen half-applied during the apply"
        assert orders <= len(done) < RELATIONSHIPS
    assert after is not None
    assert all(after[c][0] != _orders_part(before[c]) for c in _ids())
    assert sum(1 for c in _ids() if after[c][1]) == RELATIONSHIPS // 5

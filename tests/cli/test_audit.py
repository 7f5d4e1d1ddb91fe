"""`efctl audit show | verify | export` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil

import pytest
from test_apply import APPROVERS, HOLDING, apply, approve, make_plan

from efctl.app.audit import entry_json
from efctl.sandbox import open_store
from reconcile.backend import Order
from reconcile.plan import Action, Change, Resource, canonical_json, sha256_of

# Both engines: the audit chain is read from (and tampered with in) the bank.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

A, B = "10000001", "10000002"
ACCOUNT = "CH9300762011623852957"
PLAN = "sha256:" + "cd" * 32

HOLZBAU = """\
version: 1
client: {id: "10000001", name: Bärtschi Holzbau AG, language: de}
serial: 5
contracts:
  - {id: CH9300762011623852957, type: account, name: Betriebskonto}
users:
  - id: anna.muster
    name: Anna Muster
    admin: collective
    authorizations: {CH9300762011623852957: read}
  - {id: urs.baertschi, name: Urs Bärtschi, admin: individual}
orders:
  - id: WEB-1
    maker: anna.muster
    created: "2025-04-30T16:45:00+02:00"
    changes:
      - address: 10000001/users/urs.baertschi/authorizations/CH9300762011623852957
        action: create
        resource: authorization
        after: {profile: read}
"""

FAVRE = """\
version: 1
client: {id: "10000002", name: Fiduciaire Gisèle Favre SA, language: fr}
contracts:
  - {id: EB-10000002-1, type: ebill, name: eBill}
users:
  - {id: gisele.favre, name: Gisèle Favre, admin: individual}
  - {id: marc.dubois, name: Marc Dubois, admin: collective}
orders:
  - id: WEB-2
    maker: gisele.favre
    created: "2025-05-03T08:30:00+02:00"
    changes:
      - address: 10000002/users/marc.dubois/authorizations/EB-10000002-1
        action: create
        resource: authorization
        after: {profile: capture}
"""

ALTERED = "entry {seq} was altered: its hash does not match its content"
REWRITTEN = (
    "audit entry {seq} (order {order}): the order's stored changes no longer match the digest"
    " the audit recorded\n"
)
NOT_CHECKED = (
    "the orders were not checked: an export carries their digests but not the orders;"
    " `efctl audit verify` against the bank checks them\n"
)


@pytest.fixture
def bank(repo):
    """The repository's sandbox bank, seeded again with two relationships and web-UI orders."""
    shutil.rmtree(repo.root / "bank")
    repo.write(f"bank/{A}.yaml", HOLZBAU)
    repo.write(f"bank/{B}.yaml", FAVRE)
    assert repo.efctl("sandbox", "reset").exit_code == 0
    return repo


@pytest.fixture
def chain(bank):
    """Three executed orders: two authorised in the CLI, one from a plan; the entries."""
    assert bank.efctl("orders", "approve", "WEB-1", "--as", "urs.baertschi").exit_code == 0
    assert bank.efctl("orders", "approve", "WEB-2", "--as", "marc.dubois").exit_code == 0
    change = Change(
        f"{A}/users/anna.muster/authorizations/{ACCOUNT}",
        Action.UPDATE,
        Resource.AUTHORIZATION,
        {"profile": "read"},
        {"profile": "capture"},
    )
    with open_store(bank.env["EFCTL_BACKEND"]) as store:
        store.submit_order(
            Order(A, 6, PLAN, "c0ffee1", "anna.muster", ("urs.baertschi",), (change,))
        )
        return store.audit_entries()


def tamper(repo, *statements: str) -> None:
    with open_store(repo.env["EFCTL_BACKEND"]) as store, store.database.transaction(write=True):
        for statement in statements:
            store.database.execute(statement)


def outcome(result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def test_show_lists_the_chain_by_seq(bank, chain):
    first, second, third = chain
    assert [(e.seq, e.client, e.maker, e.checkers, e.plan_id) for e in chain] == [
        (1, A, "anna.muster", ("urs.baertschi",), None),
        (2, B, "gisele.favre", ("marc.dubois",), None),
        (3, A, "anna.muster", ("urs.baertschi",), PLAN),
    ]
    at = [e.at for e in chain]
    width = len(at[0])
    assert outcome(bank.efctl("audit", "show")) == (
        0,
        f"seq  {'at'.ljust(width)}  client    maker         checkers       plan"
        "                  hash\n"
        f"1    {at[0]}  10000001  anna.muster   urs.baertschi  web UI"
        f"                {first.hash[:19]}…\n"
        f"2    {at[1]}  10000002  gisele.favre  marc.dubois    web UI"
        f"                {second.hash[:19]}…\n"
        f"3    {at[2]}  10000001  anna.muster   urs.baertschi  sha256:cdcdcdcdcdcd…"
        f"  {third.hash[:19]}…\n",
        "",
    )


def test_show_one_relationship_as_json(bank, chain):
    result = bank.efctl("audit", "show", "--client", "1000 0002", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [entry_json(chain[1])]
    assert json.loads(result.stdout)[0]["checkers"] == ["marc.dubois"]


def test_show_and_verify_an_empty_chain(bank):
    assert outcome(bank.efctl("audit", "show")) == (
        0,
        "The audit chain is empty: the bank has executed no order yet.\n",
        "",
    )
    assert outcome(bank.efctl("audit", "show", "--client", A)) == (
        0,
        "No audit entries for relationship 10000001.\n",
        "",
    )
    assert outcome(bank.efctl("audit", "verify")) == (0, "audit chain intact: 0 entries\n", "")


def test_verify_an_intact_chain(bank, chain):
    assert outcome(bank.efctl("audit", "verify")) == (
        0,
        f"audit chain intact: 3 entries, last hash {chain[-1].hash}\n",
        "",
    )


@pytest.mark.parametrize(
    ("statements", "broken"),
    [
        (
            ["UPDATE audit SET maker = 'marc.dubois' WHERE seq = 2"],
            f"seq 2: {ALTERED.format(seq=2)}",
        ),
        (["DELETE FROM audit WHERE seq = 2"], "seq 2: entry 2 is missing: entry 3 follows entry 1"),
        (
            [
                "UPDATE audit SET seq = 99 WHERE seq = 2",
                "UPDATE audit SET seq = 2 WHERE seq = 3",
                "UPDATE audit SET seq = 3 WHERE seq = 99",
            ],
            f"seq 2: {ALTERED.format(seq=2)}",
        ),
        (
            ["UPDATE audit SET seq = 4 WHERE seq = 3"],
            "seq 3: entry 3 is missing: entry 4 follows entry 2",
        ),
    ],
    ids=["altered", "removed", "swapped", "renumbered"],
)
def test_verify_names_the_first_tampered_entry(bank, chain, statements, broken):
    tamper(bank, *statements)
    assert outcome(bank.efctl("audit", "verify")) == (
        1,
        "",
        f"audit chain broken at {broken}\n",
    )


def test_removing_the_newest_entries_is_found_with_a_recorded_hash(bank, chain):
    recorded = chain[-1].hash
    assert outcome(bank.efctl("audit", "verify", "--expect-hash", recorded))[0] == 0
    tamper(bank, "DELETE FROM audit WHERE seq = 3")
    assert outcome(bank.efctl("audit", "verify")) == (
        0,
        f"audit chain intact: 2 entries, last hash {chain[1].hash}\n",
        "",
    )  # a chain alone cannot show that its end is gone
    assert outcome(bank.efctl("audit", "verify", "--expect-hash", recorded)) == (
        1,
        "",
        f"audit chain broken: the hash kept from an earlier verify ({recorded[:19]}…) is not in"
        " the chain of 2 entries: entries were removed or the chain was replaced\n",
    )


def test_a_hash_that_was_never_in_the_chain_names_no_seq(bank, chain):
    never = "sha256:" + "0f" * 32
    assert outcome(bank.efctl("audit", "verify", "--expect-hash", never)) == (
        1,
        "",
        "audit chain broken: the hash kept from an earlier verify (sha256:0f0f0f0f0f0f…) is not"
        " in the chain of 3 entries: entries were removed or the chain was replaced\n",
    )


@pytest.mark.parametrize(
    "malformed",
    [
        "garbage",
        "",
        "sha256:" + "0f" * 31,
        "sha256:" + "0F" * 32,
        "0f" * 32,
        "sha256:" + "0f" * 32 + "\n",
        "sha1:" + "0f" * 20,
    ],
    ids=["word", "empty", "short", "upper-case", "no-prefix", "newline", "other-algorithm"],
)
@pytest.mark.parametrize("source", [[], ["--file", "audit.jsonl"]], ids=["bank", "file"])
def test_a_malformed_expected_hash_is_a_usage_error_not_an_alarm(bank, chain, malformed, source):
    assert bank.efctl("audit", "export", "--out", "audit.jsonl").exit_code == 0
    assert outcome(bank.efctl("audit", "verify", *source, "--expect-hash", malformed)) == (
        1,
        "",
        f"efctl: error: --expect-hash {malformed!r} is not an audit hash\n"
        "    hint: an audit hash is 'sha256:' and 64 hex digits (0-9, a-f), as `efctl audit"
        " verify` prints it as the last hash\n",
    )


def test_export_is_canonical_json_lines_that_verify_on_their_own(bank, chain):
    on_stdout = bank.efctl("audit", "export")
    assert on_stdout.exit_code == 0
    lines = on_stdout.stdout.splitlines()
    assert lines == [canonical_json(entry_json(entry)) for entry in chain]
    assert list(json.loads(lines[0])) == sorted(json.loads(lines[0]))

    assert outcome(bank.efctl("audit", "export", "--out", "audit.jsonl")) == (
        0,
        "exported 3 audit entries to audit.jsonl\n"
        f"audit chain intact: 3 entries, last hash {chain[-1].hash}\n",
        "",
    )
    assert (bank.root / "audit.jsonl").read_text(encoding="utf-8") == on_stdout.stdout
    assert outcome(bank.efctl("audit", "verify", "--file", "audit.jsonl")) == (
        0,
        f"audit chain intact: 3 entries, last hash {chain[-1].hash}\n" + NOT_CHECKED,
        "",
    )


def test_export_of_a_broken_chain_is_written_and_fails(bank, chain):
    tamper(bank, "DELETE FROM audit WHERE seq = 1")
    assert outcome(bank.efctl("audit", "export", "--out", "audit.jsonl")) == (
        1,
        "exported 2 audit entries to audit.jsonl\n",
        "audit chain broken at seq 1: entry 1 is missing: entry 2 follows the start of the chain\n",
    )
    assert len((bank.root / "audit.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def _reordered(lines: list[str]) -> list[str]:
    return [lines[0], lines[2], lines[1]]


def _altered(lines: list[str]) -> list[str]:
    entry = json.loads(lines[1]) | {"checkers": []}
    return [lines[0], canonical_json(entry), lines[2]]


@pytest.mark.parametrize(
    ("edit", "broken"),
    [
        (_altered, f"seq 2: {ALTERED.format(seq=2)}"),
        (lambda lines: [lines[0], lines[2]], "seq 2: entry 2 is missing: entry 3 follows entry 1"),
        (_reordered, "seq 3: entry 3 is out of order: it comes before entry 2"),
        (
            lambda lines: lines[1:],
            "seq 1: entry 1 is missing: entry 2 follows the start of the chain",
        ),
    ],
    ids=["altered", "removed", "reordered", "first-removed"],
)
def test_verify_a_tampered_export(bank, chain, edit, broken):
    exported = bank.efctl("audit", "export").stdout.splitlines()
    bank.write("audit.jsonl", "\n".join(edit(exported)) + "\n")
    assert outcome(bank.efctl("audit", "verify", "--file", "audit.jsonl")) == (
        1,
        "",
        f"audit chain broken at {broken}\n",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", "a JSON object is needed, not list"),
        (
            '{"seq": 2, "hash": "sha256:0", "note": "x"}',
            "missing client, order_id, at, plan_id, commit, maker, checkers, changes_digest,"
            " prev_hash;"
            " unknown note",
        ),
        ("SEQ_AS_TEXT", '`seq` has the wrong type: "2"'),
        ("CHECKERS_AS_TEXT", '`checkers` has the wrong type: "marc.dubois"'),
    ],
)
def test_verify_a_file_that_is_no_export(bank, chain, line, problem):
    exported = bank.efctl("audit", "export").stdout.splitlines()
    second = json.loads(exported[1])
    line = {
        "SEQ_AS_TEXT": json.dumps(second | {"seq": "2"}),
        "CHECKERS_AS_TEXT": json.dumps(second | {"checkers": "marc.dubois"}),
    }.get(line, line)
    bank.write("audit.jsonl", "\n".join([exported[0], line, *exported[2:]]) + "\n")
    assert outcome(bank.efctl("audit", "verify", "--file", "audit.jsonl")) == (
        1,
        "",
        f"efctl: error: audit.jsonl:2: not an audit entry: {problem}\n"
        "    hint: an export has one JSON object per line, as `efctl audit export` writes it\n",
    )


def test_verify_a_missing_export(bank):
    assert outcome(bank.efctl("audit", "verify", "--file", "nowhere.jsonl")) == (
        1,
        "",
        "efctl: error: nowhere.jsonl: no such file\n"
        "    hint: `efctl audit export --out FILE` writes one\n",
    )


# --- the audit binds what each order did ---------------------------------------------------


def test_each_entry_names_its_order_and_the_digest_of_its_changes(bank, chain):
    assert [e.order_id for e in chain] == ["WEB-1", "WEB-2", f"{A}-2"]
    with open_store(bank.env["EFCTL_BACKEND"]) as store:
        stored = store.stored_changes()
    for entry in chain:
        assert entry.changes_digest == sha256_of(stored[entry.order_id])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE orders SET changes = '[]' WHERE id = 'WEB-2'",
        # the same change, now giving the stronger profile
        "UPDATE orders SET changes = REPLACE(changes, 'capture', 'sign') WHERE id = 'WEB-2'",
        "UPDATE orders SET changes = 'not json' WHERE id = 'WEB-2'",
    ],
    ids=["emptied", "profile-raised", "no-json"],
)
def test_verify_finds_an_order_whose_changes_were_rewritten(bank, chain, statement):
    assert outcome(bank.efctl("audit", "verify"))[0] == 0
    tamper(bank, statement)
    assert outcome(bank.efctl("audit", "verify")) == (
        1,
        "",
        REWRITTEN.format(seq=2, order="WEB-2"),
    )
    assert outcome(bank.efctl("audit", "export", "--out", "audit.jsonl")) == (
        1,
        "exported 3 audit entries to audit.jsonl\n",
        REWRITTEN.format(seq=2, order="WEB-2"),
    )
    # The export still verifies: it carries the digests, not the orders.
    assert outcome(bank.efctl("audit", "verify", "--file", "audit.jsonl")) == (
        0,
        f"audit chain intact: 3 entries, last hash {chain[-1].hash}\n" + NOT_CHECKED,
        "",
    )


def test_an_order_executed_through_apply_is_bound(examples_repo):
    """plan -> approve -> apply executes the orders through the CLI; rewriting one is found."""
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    assert apply(repo).exit_code == 0
    entries = json.loads(repo.efctl("audit", "show", "--format", "json").stdout)
    (holding,) = [e for e in entries if e["order_id"] == f"{HOLDING}-1"]
    assert holding["plan_id"] == plan["plan_id"]
    assert outcome(repo.efctl("audit", "verify"))[0] == 0
    tamper(
        repo,
        f"UPDATE orders SET changes = REPLACE(changes, '\"capture\"', '\"sign\"')"
        f" WHERE id = '{HOLDING}-1'",
    )
    assert outcome(repo.efctl("audit", "verify")) == (
        1,
        "",
        REWRITTEN.format(seq=holding["seq"], order=f"{HOLDING}-1"),
    )


def test_the_first_break_by_seq_is_named_chain_or_order(bank, chain):
    tamper(
        bank,
        "UPDATE orders SET changes = '[]' WHERE id = 'WEB-2'",
        "UPDATE audit SET maker = 'marc.dubois' WHERE seq = 3",
    )
    assert outcome(bank.efctl("audit", "verify"))[2] == REWRITTEN.format(seq=2, order="WEB-2")
    tamper(bank, "UPDATE audit SET maker = 'urs.baertschi' WHERE seq = 1")
    assert outcome(bank.efctl("audit", "verify"))[2] == (
        f"audit chain broken at seq 1: {ALTERED.format(seq=1)}\n"
    )


def test_an_entry_is_bound_to_its_order_id(bank, chain):
    """Pointing an entry at another order breaks its hash: the order id is part of it."""
    tamper(bank, "UPDATE audit SET order_id = 'WEB-1' WHERE seq = 2")
    assert outcome(bank.efctl("audit", "verify"))[2] == (
        f"audit chain broken at seq 2: {ALTERED.format(seq=2)}\n"
    )

"""`efctl adopt`: a change made in the bank's web UI taken into the declaration, through the CLI.

The web-UI order is seeded at the bank and authorised there (`efctl orders approve`), as an
admin does it in the web UI; adopting it must leave the plan with no change and the file's
comments, order and quotes as they were."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.stores("sqlite", "postgresql")  # adopt reads the bank's order records

BANK = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
serial: 5
contracts:
  - {id: CH9300762011623852957, type: account, name: Betriebskonto}
  - {id: DP-10000001-1, type: deposit, name: Sparkonto}
users:
  - id: anna.muster
    name: Anna Muster
    language: de
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective}
  - id: bruno.keller
    name: Bruno Keller
    language: de
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective, DP-10000001-1: read}
  - id: carla.rossi
    name: Carla Rossi
    language: de
    authorizations: {CH9300762011623852957: read}
orders:
  - id: WEB-1
    maker: anna.muster
    created: "2026-11-18T09:30:00+01:00"
    changes:
      - address: 10000001/users/anna.muster/authorizations/CH9300762011623852957
        action: update
        resource: authorization
        before: {profile: sign_collective}
        after: {profile: read}
      - address: 10000001/users/dora.meier
        action: create
        resource: user
        after: {name: Dora Meier, email: dora.meier@example.ch, language: fr}
      - address: 10000001/users/dora.meier/authorizations/DP-10000001-1
        action: create
        resource: authorization
        after: {profile: read}
"""

DECLARED = """\
# Testfirma AG: who may do what
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster   # signs with Bruno
    name: Anna Muster
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: sign_collective}]  # the main account
  # Bruno has what Anna has, and the savings account
  - id: bruno.keller
    name: Bruno Keller
    admin: "collective"
    authorizations:
      copy_from: anna.muster
      single:
        - {contract: DP-10000001-1, profile: read}
  - {id: carla.rossi, name: Carla Rossi, authorizations: {all: {account: read}}}
"""

ADOPTED = """\
# Testfirma AG: who may do what
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster   # signs with Bruno
    name: Anna Muster
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: read}]             # the main account
  # Bruno has what Anna has, and the savings account
  - id: bruno.keller
    name: Bruno Keller
    admin: "collective"
    authorizations:
      copy_from: anna.muster
      single:
        - {contract: DP-10000001-1, profile: read}
        - {contract: CH9300762011623852957, profile: sign_collective}
  - {id: carla.rossi, name: Carla Rossi, authorizations: {all: {account: read}}}
  - id: dora.meier
    name: Dora Meier
    email: dora.meier@example.ch
    language: fr
    authorizations:
      single:
        - {contract: DP-10000001-1, profile: read}
"""


@pytest.fixture
def changed_in_the_web_ui(repo):
    repo.write("bank/10000001.yaml", BANK)
    assert repo.efctl("sandbox", "reset").exit_code == 0
    repo.write("clients/10000001.yaml", DECLARED)
    done = repo.efctl("orders", "approve", "WEB-1", "--as", "bruno.keller")
    assert done.exit_code == 0, done.output
    [entry] = json.loads(repo.efctl("audit", "show", "--format", "json").stdout)
    return repo, entry["at"]


def test_adopt_takes_the_web_ui_change_into_the_file_and_the_plan_then_shows_none(
    changed_in_the_web_ui,
):
    repo, at = changed_in_the_web_ui
    assert repo.efctl("plan", "--detailed-exitcode").exit_code == 2  # would revert WEB-1

    adopted = repo.efctl("adopt", "10000001")

    assert adopted.exit_code == 0, adopted.output
    by = f"      by anna.muster in the web UI at {at} (order WEB-1)\n"
    assert adopted.stdout == (
        "10000001: adopted 3 change(s) from the bank into clients/10000001.yaml\n"
        "  ~ anna.muster on CH9300762011623852957: sign_collective -> read\n"
        + by
        + "  + user dora.meier: Dora Meier, dora.meier@example.ch, language fr\n"
        + by
        + "  + dora.meier on DP-10000001-1: read\n"
        + by
    )
    assert (repo.root / "clients/10000001.yaml").read_text(encoding="utf-8") == ADOPTED
    after = repo.efctl("plan", "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert repo.efctl("adopt").stdout == "10000001: nothing changed at the bank to adopt\n"


def test_adopt_to_another_file_leaves_the_declaration_and_writes_a_masked_body(
    changed_in_the_web_ui, tmp_path
):
    repo, at = changed_in_the_web_ui
    out = tmp_path / "adopted.yaml"

    result = repo.efctl("adopt", "10000001", "--out", str(out), "--bodies", str(tmp_path / "pr"))

    assert result.exit_code == 0, result.output
    assert (repo.root / "clients/10000001.yaml").read_text(encoding="utf-8") == DECLARED
    assert out.read_text(encoding="utf-8") == ADOPTED
    body = (tmp_path / "pr/10000001.md").read_text(encoding="utf-8")
    who = f"by anna.muster in the web UI at {at} (order WEB-1)"
    assert body == (
        "Someone changed relationship 10000001 (Testfirma AG) at the bank. This pull request "
        "adopts it into `clients/10000001.yaml` with the smallest edit.\n\n"
        "| changed at the bank | who, where, when |\n|---|---|\n"
        f"| ~ anna.muster on CH93 **** **** **** *295 7: sign_collective -> read | {who} |\n"
        f"| + user dora.meier: Dora Meier, d***@example.ch, language fr | {who} |\n"
        f"| + dora.meier on DP-10000001-1: read | {who} |\n\n"
        "Merging this pull request adopts the change: the next plan shows none for it. "
        "Closing it leaves the declaration as it is, and the next apply reverts the bank's "
        "change.\n"
    )

"""validate, explain and sandbox through the real CLI; the sandbox commands on both engines."""

from __future__ import annotations

import json

import pytest

from efctl.sandbox import SCHEMA_VERSION

FIVE_MISTAKES = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster
    name: Anna Muster
    emial: anna@example.ch
    admin: boss
    authorizations:
      all: {account: sign_colective}
  - id: bruno.keller
    name: Bruno Keller
    name: Bruno K.
    language: 12
"""


def test_validate_examples_is_clean(examples_repo):
    result = examples_repo.efctl("validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "5 declaration(s) valid.\n", "")


def test_five_mistakes_give_five_located_diagnostics(repo):
    repo.write("clients/10000001.yaml", FIVE_MISTAKES)
    result = repo.efctl("validate", "clients/10000001.yaml")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert [line for line in result.stderr.splitlines() if not line.startswith(" ")] == [
        "clients/10000001.yaml:6:5: error EF010: unknown key 'emial' in users[0] (anna.muster);"
        " did you mean 'email'?",
        "clients/10000001.yaml:7:12: error EF013: unknown admin right 'boss'",
        "clients/10000001.yaml:9:22: error EF014: unknown profile 'sign_colective';"
        " did you mean 'sign_collective'?",
        "clients/10000001.yaml:12:5: error EF002: duplicate key 'name' (first on line 11)",
        "clients/10000001.yaml:13:15: error EF012: users[1].language (bruno.keller) must be a"
        " string, not a number",
        "5 errors, 0 warnings in 1 file",
    ]


def test_warnings_pass_unless_strict(repo):
    repo.write(
        "clients/10000001.yaml",
        'version: 1\nclient: {id: "10000001", name: Testfirma AG, language: de}\n'
        "users:\n  - {id: anna.muster, name: Anna Muster, admin: individual}\n"
        "  - {id: carla.rossi, name: Carla Rossi}\n",
    )
    assert repo.efctl("validate").exit_code == 0
    strict = repo.efctl("validate", "--strict")
    assert strict.exit_code == 1
    assert "warning EF113: user 'carla.rossi' is left with no rights at all" in strict.stderr


def test_validate_offline_skips_the_bank(repo):
    repo.write(
        "clients/x.yaml",
        'version: 1\nclient: {id: "99999999", name: Nirgendwo AG, language: de}\n'
        "users:\n  - {id: anna.muster, name: Anna Muster, admin: individual}\n",
    )
    assert repo.efctl("validate").exit_code == 1
    offline = repo.efctl("validate", "--offline")
    assert (offline.exit_code, offline.stderr) == (0, "")


def test_missing_path_is_a_diagnostic_not_a_traceback(repo):
    result = repo.efctl("validate", "no/such/place.yaml")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "no/such/place.yaml: error EF006: no such file or folder"
    )


def test_explain_shows_fallback_and_provenance(examples_repo):
    result = examples_repo.efctl("explain", "2014 5845", "luca.brunner")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "user luca.brunner in client relationship 20145845 (Bärtschi Haustechnik GmbH)"
    )
    lohnkonto = next(line for line in lines if line.startswith("CH1909000000478121049"))
    assert lohnkonto.split()[2:6] == [
        "account",
        "sign_collective",
        "sign_individual",
        "all[account]",
    ]
    assert lohnkonto.endswith(
        "fallback: sign_individual not allowed on CH1909000000478121049 (account; this contract"
        " allows only sign_collective, capture, read), assigned sign_collective"
    )
    assert lines[-1] == (
        "admin: collective (Admin mit Kollektivunterschrift); never copied, changed only on the"
        " bank's paper form"
    )


def test_explain_json_follows_the_copy_chain(examples_repo):
    result = examples_repo.efctl("explain", "20145845", "reto.baumann", "--format", "json")
    data = json.loads(result.stdout)
    sources = {r["contract"]: r["source"]["text"] for r in data["rights"]}
    assert sources == {
        "CH2009000000478121031": "copy_from jasmin.oezdemir -> sandra.mueller: all[account]",
        "CH9409000000478121057": "copy_from jasmin.oezdemir -> sandra.mueller: all[account]",
        "EB-20145845-1": "copy_from jasmin.oezdemir -> sandra.mueller: all[ebill]",
        "FT-20145845-1": "copy_from jasmin.oezdemir -> sandra.mueller: all['*']",
    }
    assert {r["profile"] for r in data["rights"]} == {"capture", "read"}


def test_explain_unknown_user_and_client(examples_repo):
    user = examples_repo.efctl("explain", "20145845", "nobody")
    assert (user.exit_code, user.stderr) == (
        1,
        "efctl: error: user 'nobody' is not declared in clients/20145845.yaml (20145845)\n"
        "    hint: declared users: thomas.baertschi, regula.zuercher, luca.brunner, sandra.mueller,"
        " jasmin.oezdemir, reto.baumann,"
        " marco.ammann, nadia.frick, beatrice.koenig, andrea.luethi, stefan.kuehne, urs.zwahlen,"
        " silvan.gerber\n",
    )
    case = examples_repo.efctl("explain", "20145845", "Reto.Baumann")
    assert (case.exit_code, case.stderr) == (
        1,
        "efctl: error: user 'Reto.Baumann' is not declared in clients/20145845.yaml (20145845)\n"
        "    hint: user ids are case-sensitive: did you mean 'reto.baumann'?\n",
    )
    bank_only = examples_repo.efctl("explain", "20145845", "rolf.hasler")
    assert (bank_only.exit_code, bank_only.stderr) == (
        1,
        "efctl: error: user 'rolf.hasler' is at the bank but not declared in"
        " clients/20145845.yaml (20145845): the next plan deletes them\n"
        "    hint: declare them to keep them; `efctl import 20145845` shows the bank\n",
    )
    client = examples_repo.efctl("explain", "11111111", "nobody")
    assert (client.exit_code, client.stderr) == (
        1,
        "efctl: error: no declaration for client relationship 11111111\n"
        "    hint: declared relationships: 20145837, 20145845, 20145853, 30518764, 40227319\n",
    )


@pytest.mark.stores("sqlite", "postgresql")
def test_sandbox_status_and_reset(examples_repo):
    status = examples_repo.efctl("sandbox", "status", "--format", "json")
    data = json.loads(status.stdout)
    assert data["schema_version"] == SCHEMA_VERSION
    assert [(c["id"], c["serial"]) for c in data["clients"]] == [
        ("20145837", 17),
        ("20145845", 41),
        ("20145853", 23),
        ("30518764", 8),
        ("40227319", 12),
    ]
    again = examples_repo.efctl("sandbox", "init")
    assert again.exit_code == 1
    assert "is already initialised" in again.stderr
    reset = examples_repo.efctl("sandbox", "reset")
    assert reset.exit_code == 0
    assert reset.stdout.startswith("reset the sandbox bank at ")
    assert reset.stdout.endswith(" from bank (5 relationships)\n")

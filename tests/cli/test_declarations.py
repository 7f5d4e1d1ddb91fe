"""Declarations through `efctl validate` and `efctl plan`: every problem of a run at once,
which files are read, and text that cannot be written out."""

from __future__ import annotations

FIVE_KINDS = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster
    name: Anna Muster
    email: anna(at)example.ch
    admin: collective
    authorizations:
      all: {account: sign_colective, deposit: read}
  - id: bruno.keller
    name: Bruno Keller
    emial: bruno@example.ch
    language: 12
    admin: collective
    authorizations:
      copy_from: anna.mustr
"""


def test_schema_errors_do_not_hide_the_semantic_ones(repo):
    repo.write("clients/10000001.yaml", FIVE_KINDS)
    result = repo.efctl("validate")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "clients/10000001.yaml:6:12: error EF015: users[0].email (anna.muster):"
        " 'anna(at)example.ch' is not an e-mail address\n"
        "clients/10000001.yaml:9:22: error EF014: unknown profile 'sign_colective';"
        " did you mean 'sign_collective'?\n"
        "    hint: allowed: sign_individual, sign_collective, capture, read, none\n"
        "clients/10000001.yaml:12:5: error EF010: unknown key 'emial' in users[1]"
        " (bruno.keller); did you mean 'email'?\n"
        "    hint: allowed keys: id, name, email, github, language, admin, authorizations\n"
        "clients/10000001.yaml:13:15: error EF012: users[1].language (bruno.keller) must be a"
        " string, not a number\n"
        '    hint: put it in quotes to keep it text: "12"\n'
        "clients/10000001.yaml:16:18: error EF105: copy_from 'anna.mustr' of user"
        " 'bruno.keller' names no user of client relationship 10000001\n"
        "    hint: copy_from takes the id of another user declared in this file;"
        " did you mean 'anna.muster'?\n"
        "5 errors, 0 warnings in 1 file\n"
    )


def test_a_broken_user_brings_no_follow_on_errors(repo):
    """Anna's name is missing and her profile unknown: her rights are unknown, so nothing that
    depends on them (Bruno's copy, the key's billing right, "no rights at all") is reported."""
    repo.write(
        "clients/10000001.yaml",
        'version: 1\nclient: {id: "10000001", name: Testfirma AG, language: de}\n'
        "users:\n"
        "  - id: anna.muster\n"
        "    admin: collective\n"
        "    authorizations: {all: {account: sign_colective}}\n"
        "  - id: bruno.keller\n"
        "    name: Bruno Keller\n"
        "    authorizations: {copy_from: anna.muster}\n"
        "  - {id: bruno.keller, name: Bruno Again}\n"
        "api_keys:\n"
        "  - {name: erp, user: anna.muster}\n",
    )
    result = repo.efctl("validate")
    assert [line for line in result.stderr.splitlines() if not line.startswith(" ")] == [
        "clients/10000001.yaml:4:5: error EF011: user 'anna.muster' is missing 'name'",
        "clients/10000001.yaml:6:37: error EF014: unknown profile 'sign_colective';"
        " did you mean 'sign_collective'?",
        "clients/10000001.yaml:10:10: error EF101: duplicate user id 'bruno.keller':"
        " users[1] already declares it",
        "3 errors, 0 warnings in 1 file",
    ]
    assert result.exit_code == 1

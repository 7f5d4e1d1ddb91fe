"""Declarations through `efctl validate` and `efctl plan`: every problem of a run at once,
which files are read, and text that cannot be written out."""

from __future__ import annotations

import os

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
        "    hint: allowed keys: id, name, email, github, github_id, language, admin,"
        " authorizations, signing_key, until\n"
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


VALID = (
    'version: 1\nclient: {id: "10000001", name: Testfirma AG, language: de}\n'
    "users:\n  - {id: anna.muster, name: Anna Muster, admin: individual}\n"
)


def test_no_declaration_at_all_is_an_error_naming_each_folder(repo):
    (repo.root / "more").mkdir()
    repo.write("clients/README.md", "not a declaration\n")
    for command in ("validate", "plan"):
        result = repo.efctl(command, "clients", "more")
        assert (result.exit_code, result.stdout) == (1, ""), command
        assert result.stderr.startswith(
            "clients: error EF008: no declaration (*.yaml, *.yml) in this folder\n"
            "    hint: a declaration file ends in .yaml or .yml; is this the right folder?\n"
            "more: error EF008: no declaration (*.yaml, *.yml) in this folder\n"
            "    hint: a declaration file ends in .yaml or .yml; is this the right folder?\n"
            "2 errors, 0 warnings in 0 files\n"
        ), command


def test_look_alikes_are_skipped_with_a_warning_each(repo):
    repo.write("clients/10000001.yaml", VALID)
    for name in ("b.YAML", "c.Yml", "d.yaml.bak", "e.yaml~", ".f.yaml.swp", "notes.txt"):
        repo.write(f"clients/{name}", VALID)
    (repo.root / "clients" / "g.yaml").symlink_to(repo.root / "nowhere.yaml")
    os.mkfifo(repo.root / "clients" / "h.yml")
    result = repo.efctl("validate")
    left_over = "    hint: only *.yaml and *.yml files are read; delete it if it is left over"
    assert (result.exit_code, result.stdout) == (0, "1 declaration(s) valid.\n")
    assert result.stderr == (
        "clients/.f.yaml.swp: warning EF009: skipped: a backup or editor file\n"
        f"{left_over}\n"
        "clients/b.YAML: warning EF009: skipped: the suffix .YAML is not lowercase\n"
        "    hint: rename it to b.yaml to have it read\n"
        "clients/c.Yml: warning EF009: skipped: the suffix .Yml is not lowercase\n"
        "    hint: rename it to c.yml to have it read\n"
        "clients/d.yaml.bak: warning EF009: skipped: a backup or editor file\n"
        f"{left_over}\n"
        "clients/e.yaml~: warning EF009: skipped: a backup or editor file\n"
        f"{left_over}\n"
        "clients/g.yaml: warning EF009: skipped: a symbolic link to nothing\n"
        f"    hint: the link points to {repo.root / 'nowhere.yaml'}, which does not exist\n"
        "clients/h.yml: warning EF009: skipped: not a regular file\n"
        "    hint: a declaration is a plain file, not a pipe, socket or device\n"
        "0 errors, 7 warnings in 1 file\n"
    )


def test_the_same_file_named_twice_is_read_once(repo):
    repo.write("clients/10000001.yaml", VALID)
    (repo.root / "clients" / "link.yaml").symlink_to("10000001.yaml")
    result = repo.efctl(
        "validate", "clients/10000001.yaml", "clients", "./clients/../clients/10000001.yaml"
    )
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "1 declaration(s) valid.\n",
        "",
    )


def test_text_that_utf8_cannot_encode_is_located(repo):
    repo.write(
        "clients/10000001.yaml",
        'version: 1\nclient: {id: "10000001", name: Testfirma AG, language: de}\n'
        "users:\n"
        '  - {id: anna.muster, name: "Anna \\ud800", admin: individual}\n'
        '  - {id: bruno.keller, name: Bruno, "emai\\udfff": x@example.ch}\n',
    )
    message = (
        "error EF006: the text contains U+{}, half of a UTF-16 pair, which UTF-8 cannot encode\n"
        "    hint: write the character itself, or its \\U escape, not two \\u halves\n"
    )
    for command in ("validate", "plan"):
        result = repo.efctl(command)
        assert (result.exit_code, result.stdout) == (1, ""), command
        assert result.stderr.startswith(
            "clients/10000001.yaml:4:29: "
            + message.format("D800")
            + "clients/10000001.yaml:5:37: "
            + message.format("DFFF")
            + "clients/10000001.yaml:5:37: error EF010: unknown key 'emai\ufffd' in users[1]"
            " (bruno.keller); did you mean 'email'?\n"
        ), command

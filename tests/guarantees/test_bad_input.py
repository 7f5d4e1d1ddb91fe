"""Bad input of every kind: one located diagnostic each, exit 1, no traceback, no hang.

Each case is a small repository whose ``clients/`` holds one hostile declaration (or two
files, or a link); the real ``efctl validate --offline`` runs on it in a child process bounded
in time and memory (bounded.py). The expected line is the whole first line of stderr:
the file, line and column where the problem is, the code, and the start of the message.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from bounded import run_efctl

from efctl.declarations.schema import load_schema

FILE = "clients/10000001.yaml"
DIAGNOSTIC = re.compile(r"\S+?(:\d+:\d+)?: (error|warning) EF\d{3}: ")
GOOD = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster
    name: Anna Muster
    email: anna.muster@example.ch
    admin: collective
    authorizations:
      all: {account: sign_collective, '*': read}
"""


def edited(old: str, new: str) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new, 1).encode("utf-8")


def _bomb(levels: int = 9) -> bytes:
    """A billion laughs: each anchor holds ten aliases of the one before."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return (GOOD + "\n".join(lines) + "\n").encode()


# (case, the file's bytes, the first line of stderr up to the message's first words)
CASES: list[tuple[str, bytes, str]] = [
    ("empty file", b"", f"{FILE}:1:1: error EF007: the document is empty"),
    (
        "binary file",
        b"version: 1\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8",
        f"{FILE}:2:1: error EF006: the file is not valid UTF-8 (byte 0x89)",
    ),
    (
        "not UTF-8, on line 5",
        GOOD.replace("Anna Muster\n", "Anna Müster\n", 1).encode("latin-1"),
        f"{FILE}:5:17: error EF006: the file is not valid UTF-8 (byte 0xfc)",
    ),
    (
        "byte order mark inside",
        edited("name: Anna Muster", "name: Anna \ufeffMuster"),
        f"{FILE}:5:16: error EF006: the file contains U+FEFF (a byte order mark) after its start",
    ),
    (
        "tab for indentation",
        edited("    name: Anna Muster", "\tname: Anna Muster"),
        f"{FILE}:5:1: error EF001: a tab character; YAML indents with spaces only",
    ),
    (
        "duplicate key",
        edited("    email:", "    name: Anna Meier\n    email:"),
        f"{FILE}:6:5: error EF002: duplicate key 'name' (first on line 5)",
    ),
    (
        "alias bomb",
        _bomb(),
        f"{FILE}:19:10: error EF004: aliases would add 12,345,678,990 nodes",
    ),
    (
        "10,000 levels of flow nesting",
        (GOOD + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(),
        f"{FILE}:10:70: error EF001: the document nests more than 64 levels deep",
    ),
    (
        "10,000 levels of block nesting",
        (GOOD + "deep:\n  " + "- " * 10_000 + "x\n").encode(),
        f"{FILE}:11:129: error EF001: the document nests more than 64 levels deep",
    ),
    (
        "50 MB file",
        b"# padding\n" * 5_000_000,
        f"{FILE}:1:1: error EF005: the file is larger than the limit of 1,048,576 bytes",
    ),
    (
        "!!python/object tag",
        edited("name: Anna Muster", "name: !!python/object/apply:os.system [id]"),
        f"{FILE}:5:11: error EF003: the tag !!python/object/apply:os.system is refused",
    ),
    (
        "local tag",
        edited("name: Anna Muster", "name: !vault anna"),
        f"{FILE}:5:11: error EF003: the tag !vault is refused",
    ),
    (
        "!!binary tag",
        edited("name: Anna Muster", "name: !!binary QW5uYQ=="),
        f"{FILE}:5:11: error EF003: the tag !!binary is refused",
    ),
    (
        "unknown key",
        edited("    email:", "    emial:"),
        f"{FILE}:6:5: error EF010: unknown key 'emial' in users[0] (anna.muster); "
        "did you mean 'email'?",
    ),
    (
        "wrong type",
        edited("name: Anna Muster", "name: [Anna, Muster]"),
        f"{FILE}:5:11: error EF012: users[0].name (anna.muster) must be a string, not a list",
    ),
    (
        "huge integer",
        edited("version: 1", "version: " + "9" * 10_000),
        f"{FILE}:1:10: error EF013: version must be 1, not '{'9' * 39}… (10,002 characters)",
    ),
    ("NaN", edited("version: 1", "version: .nan"), f"{FILE}:1:10: error EF013: version must be 1"),
    (
        "a date where a string belongs",
        edited('id: "10000001"', "id: 2026-11-20"),
        f"{FILE}:2:14: error EF015: client.id: '2026-11-20' has the wrong format",
    ),
    (
        "lone surrogate",
        edited("name: Anna Muster", 'name: "Anna \\udc00 Muster"'),
        f"{FILE}:5:11: error EF006: the text contains U+DC00, half of a UTF-16 pair",
    ),
    (
        "control character",
        edited("name: Anna Muster", "name: Anna \x1bMuster"),
        f"{FILE}:5:16: error EF006: the file contains the control character U+001B",
    ),
    (
        "client id with spaces",
        edited('id: "10000001"', 'id: " 1000 0001"'),
        f"{FILE}:2:14: error EF015: client.id: ' 1000 0001' has the wrong format",
    ),
    (
        "900 KB user name",
        edited("name: Anna Muster", "name: " + "Anna " * 180_000),
        f"{FILE}:5:11: error EF015: users[0].name (anna.muster) is 899,999 characters long; "
        "at most 200 are allowed",
    ),
    (
        "900 KB user id",
        edited("id: anna.muster", "id: " + "a" * 900_000),
        f"{FILE}:4:9: error EF015: users[0].id is 900,000 characters long; at most 64 are allowed",
    ),
    (
        "900 KB unknown key",
        edited("    email:", "    ? " + "k" * 900_000 + "\n    : 1\n    email:"),
        f"{FILE}:6:7: error EF010: unknown key '{'k' * 39}… (900,002 characters) in users[0] "
        "(anna.muster)",
    ),
]


def _repo(root: Path) -> Path:
    (root / "clients").mkdir(parents=True)
    (root / "efctl.yaml").write_text("clients: clients\n", encoding="utf-8")
    return root


def _check(root: Path, first_line: str, *, exit_code: int = 1) -> None:
    outcome = run_efctl(["validate", "--offline"], root, {"EFCTL_CACHE": "off", "NO_COLOR": "1"})
    assert outcome.signal is None, f"killed by signal {outcome.signal} (time or memory bound)"
    lines = outcome.stderr.splitlines()
    assert "Traceback" not in outcome.stderr and "internal error" not in outcome.stderr
    assert lines[0].startswith(first_line), outcome.stderr[:2000]
    located = [line for line in lines if DIAGNOSTIC.match(line)]
    assert located == lines[:1], "exactly one diagnostic"
    assert outcome.exit_code == exit_code


@pytest.mark.parametrize(
    ("content", "first_line"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_declaration(tmp_path, content, first_line):
    root = _repo(tmp_path / "repo")
    (root / FILE).write_bytes(content)
    _check(root, first_line)


def test_two_files_declaring_one_relationship(tmp_path):
    root = _repo(tmp_path / "repo")
    (root / "clients" / "a.yaml").write_text(GOOD, encoding="utf-8")
    (root / "clients" / "b.yaml").write_text(GOOD, encoding="utf-8")
    _check(
        root,
        "clients/b.yaml:2:14: error EF114: client relationship 10000001 is already declared in"
        " clients/a.yaml",
    )


def test_link_leading_outside_the_repository(tmp_path):
    root = _repo(tmp_path / "repo")
    (tmp_path / "elsewhere.yaml").write_text(GOOD, encoding="utf-8")
    os.symlink("../../elsewhere.yaml", root / FILE)
    _check(
        root,
        f"{FILE}: error EF006: a symbolic link leads outside the repository, to "
        f"{(tmp_path / 'elsewhere.yaml').resolve()}",
    )


def test_named_pipe_is_skipped_not_waited_for(tmp_path):
    """A FIFO would block the first read forever: it is never opened, only warned about."""
    root = _repo(tmp_path / "repo")
    (root / FILE).write_text(GOOD, encoding="utf-8")
    os.mkfifo(root / "clients" / "pipe.yaml")
    _check(root, "clients/pipe.yaml: warning EF009: skipped: not a regular file", exit_code=0)


def test_leading_byte_order_mark_is_read_as_yaml_allows(tmp_path):
    """YAML 1.2 lets a stream open with a BOM (Windows editors write one): it is not data."""
    root = _repo(tmp_path / "repo")
    (root / FILE).write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    outcome = run_efctl(["validate", "--offline"], root, {"EFCTL_CACHE": "off"})
    assert (outcome.exit_code, outcome.stderr, outcome.stdout) == (
        0,
        "",
        "1 declaration(s) valid.\n",
    )


def _strings(node, where="#"):
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"enum", "const", "$ref"} & node.keys():
            yield where, node
        for key, value in node.items():
            yield from _strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}/{index}")


def test_every_string_of_the_declaration_schema_has_a_length_limit():
    schema = load_schema("client")
    unbounded = [where for where, node in _strings(schema) if "maxLength" not in node]
    assert unbounded == []
    assert json.dumps(schema).count('"maxLength"') >= 10

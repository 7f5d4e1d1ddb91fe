"""The README tells the truth: its code table is the registry, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from efctl.cli import cli
from reconcile.diagnostics import CODES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_code_table_is_the_registry():
    table = README.split("<!-- codes:start -->")[1].split("<!-- codes:end -->")[0]
    rows = re.findall(r"^\| (EF\d{3}) \| (.+) \|$", table, flags=re.M)
    assert rows == list(CODES.items())


def test_every_command_in_the_readme_exists():
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", README, flags=re.S))
    named = set(re.findall(r"^efctl ([a-z]+)", shell, flags=re.M))
    named |= set(re.findall(r"\| `efctl ([a-z]+)", README))
    assert named, "the README names no command"
    for command in sorted(named):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0, f"`efctl {command}` is in the README but not in efctl"


def test_the_readme_starts_with_the_two_commands():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("pip install -e . && efctl plan examples/clients")
    assert first_block[1].startswith("pip install -e '.[test]' && pytest")

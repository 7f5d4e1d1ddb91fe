"""The README tells the truth: its code table is the registry, its commands exist."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
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
    named = set(re.findall(r"^efctl ([a-z][a-z-]*)", shell, flags=re.M))
    named |= set(re.findall(r"\| `efctl ([a-z][a-z-]*)", README))
    assert named, "the README names no command"
    for command in sorted(named):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0, f"`efctl {command}` is in the README but not in efctl"


def test_the_readme_starts_with_the_two_commands():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("pip install -e . && efctl plan examples/clients")
    assert first_block[1].startswith("pip install -e '.[test]' && pytest")


def example_commands() -> list[tuple[str, int]]:
    """The example lines of the README's "Commands" section, in order, with the exit code
    their comment promises ("exit N"), else 0."""
    section = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    examples = []
    for line in (line for block in blocks for line in block.splitlines()):
        command, _, comment = line.partition(" # ")
        if command.startswith("efctl "):
            promised = re.search(r"\bexit (\d)", comment)
            examples.append((command.strip(), int(promised.group(1)) if promised else 0))
    return examples


def test_every_example_command_of_the_readme_runs(tmp_path, monkeypatch):
    """Each example, in the README's order, in a fresh copy of this repository's examples,
    committed to git (for `plan --changed-since`)."""
    root = Path(__file__).parent.parent
    shutil.copytree(root / "examples", tmp_path / "examples")
    shutil.copy(root / "efctl.yaml", tmp_path / "efctl.yaml")
    for git in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the examples"]):
        identity = ["-c", "user.name=Test", "-c", "user.email=test@example.ch"]
        subprocess.run(["git", *identity, *git], cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    env = {"EFCTL_TODAY": "2026-11-20", "EFCTL_BACKEND": None, "NO_COLOR": "1"}
    examples = example_commands()
    assert len(examples) >= 15
    for line, promised in examples:
        result = CliRunner().invoke(cli, shlex.split(line)[1:], env=env, catch_exceptions=False)
        assert result.exit_code == promised, f"`{line}` exited {result.exit_code}:\n{result.output}"


def test_every_test_the_guarantees_name_exists():
    """Each guarantee's proof is a test file, or a test in it, that is there to run."""
    section = README.split("\n## Guarantees\n", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`((?:tests|fuzz|\.ci|docs)/[\w/.-]+)(?:::(\w+))?`", section)
    assert len(named) >= 25
    root = Path(__file__).parent.parent
    for path, test in named:
        assert (root / path).is_file(), f"the Guarantees name {path}, which is not there"
        if test:
            source = (root / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {test}\(", source, flags=re.M), f"{path} has no {test}"

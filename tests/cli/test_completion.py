"""Shell completion through click's own protocol (the environment the shell scripts set), in a
repository of copies of the examples plus files completion must skip without a word."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from efctl.cli import cli

EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "clients"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES, root / "clients")
    (root / "clients" / "broken.yaml").write_text("client: {id: [\n", encoding="utf-8")
    (root / "clients" / "list.yaml").write_text("- just a list\n", encoding="utf-8")
    (root / "clients" / "no-client.yaml").write_text("users: []\n", encoding="utf-8")
    (root / "clients" / "sub").mkdir()
    (root / "clients" / "sub" / "unquoted.yml").write_text(
        "client: {id: 5055 0001, name: Spaced AG}\nusers:\n  - {id: ueli.spaced, name: Ueli}\n"
        "  - {name: without id}\n  - not a mapping\n",
        encoding="utf-8",
    )
    (root / "efctl.yaml").write_text("clients: clients\n", encoding="utf-8")
    monkeypatch.chdir(root / "clients" / "sub")  # settings are found from a sub-folder too
    return root


def complete(shell: str, line: str) -> str:
    """What efctl answers the shell's completion script for LINE (the last word incomplete)."""
    words = line.split(" ")
    env = {"_EFCTL_COMPLETE": f"{shell}_complete", "COMP_WORDS": line}
    env["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    result = CliRunner().invoke(cli, [], env=env, prog_name="efctl", catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout


def test_explain_completes_client_ids_in_bash(repo):
    assert complete("bash", "efctl explain 2014") == (
        "plain,20145837\nplain,20145845\nplain,20145853\n"
    )
    assert complete("bash", "efctl explain 5") == "plain,50550001\n"


def test_explain_completes_the_typed_clients_user_ids_with_names_in_zsh(repo):
    assert complete("zsh", "efctl explain 30518764 ") == (
        "plain\ngiorgio.rezzonico\nGiorgio Rezzonico\n"
        "plain\nchiara.rezzonico\nChiara Rezzonico\n"
        "plain\nloredana.cattaneo\nLoredana Cattaneo\n"
        "plain\nnicolo.ferrari\nNicolò Ferrari\n"
        "plain\nelena.guentert\nElena Güntert\n"
    )
    assert complete("bash", "efctl explain 20145837 th") == "plain,thomas.baertschi\n"
    assert complete("bash", "efctl explain 50550001 u") == "plain,ueli.spaced\n"


def test_plan_client_and_import_complete_client_ids_with_names_in_fish(repo):
    assert complete("fish", "efctl plan --client 3") == "plain,30518764\tFratelli Rezzonico SA\n"
    assert complete("fish", "efctl import 4") == "plain,40227319\tRochat & Dufour SA\n"


def test_explain_path_replaces_the_configured_folders(repo):
    elsewhere = repo / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(EXAMPLES / "30518764.yaml", elsewhere)

    assert complete("bash", f"efctl explain --path {elsewhere} ") == "plain,30518764\n"


def test_an_unknown_client_has_no_users_to_complete(repo):
    assert complete("bash", "efctl explain 99999999 ") == "\n"


def test_broken_settings_give_no_suggestions_and_no_traceback(repo):
    (repo / "efctl.yaml").write_text("clients: [\n", encoding="utf-8")

    assert complete("bash", "efctl explain 2") == "\n"

"""efctl.yaml through the real CLI: every mistake in it a located diagnostic, all at once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from efctl.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def efctl_with(config: str, **env: str):
        (tmp_path / "efctl.yaml").write_text(config, encoding="utf-8")
        return CliRunner().invoke(cli, ["validate"], env={"NO_COLOR": "1", **env})

    return efctl_with


FAILED = (
    "efctl: error: efctl.yaml has errors (listed above)\n"
    "    hint: fix them and run again; the settings are clients, seed, backend and catalog\n"
)


def test_wrong_types_and_unknown_keys_are_reported_together(run):
    result = run("backend: 42\nclients: 5\nseed: [1]\ncatalog: {}\nseeds: bank\n")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "efctl.yaml:1:10: error EF012: backend must be a string, not a number\n"
        '    hint: put it in quotes to keep it text: "42"\n'
        "efctl.yaml:2:10: error EF012: clients must be a string or a list, not a number\n"
        '    hint: put it in quotes to keep it text: "5"\n'
        "efctl.yaml:3:7: error EF012: seed must be a string, not a list\n"
        "    hint: seed: the folder of the sandbox bank's seed, e.g. examples/bank\n"
        "efctl.yaml:4:10: error EF012: catalog must be a string, not a mapping\n"
        "    hint: catalog: a catalog file overriding the packaged one\n"
        "efctl.yaml:5:1: error EF010: unknown setting 'seeds'; did you mean 'seed'?\n"
        "    hint: settings: clients, seed, backend, catalog\n" + FAILED
    )


def test_clients_may_be_a_list_of_strings_but_of_nothing_else(run):
    result = run("clients: [clients, 7]\n")
    assert result.stderr == (
        "efctl.yaml:1:20: error EF012: clients[1] must be a string, not a number\n"
        '    hint: put it in quotes to keep it text: "7"\n' + FAILED
    )
    listed = run("clients: [clients, more]\n")
    assert "efctl.yaml" not in listed.stderr


def test_unparseable_yaml_and_a_list_at_the_top_are_located(run):
    result = run("clients: [clients\n")
    assert (result.exit_code, result.stderr) == (
        1,
        "efctl.yaml:2:1: error EF001: expected ',' or ']', but got the end of the file"
        " (in the list that starts on line 1, column 10)\n" + FAILED,
    )
    listed = run("- clients\n")
    assert listed.stderr == (
        "efctl.yaml:1:1: error EF007: the document must be a mapping of keys, not a list\n"
        "    hint: efctl.yaml maps settings to values, e.g. 'clients: clients'\n" + FAILED
    )


def test_an_empty_file_means_the_defaults(run):
    result = run("# nothing set yet\n")
    # no complaint about efctl.yaml: validate looks for the default clients folder
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "clients: error EF006: no such file or folder\n"
        "    hint: name a declaration file or a folder\n"
        "1 error, 0 warnings in 0 files\n",
    )


def test_a_garbled_today_is_a_clear_error(run):
    result = run("clients: clients\n", EFCTL_TODAY="garbage")
    assert (result.exit_code, result.stderr) == (
        1,
        "efctl: error: EFCTL_TODAY='garbage' is not a date\n    hint: use YYYY-MM-DD\n",
    )

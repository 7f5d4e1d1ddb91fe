"""efctl.yaml through the real CLI: every mistake in it a located diagnostic, all at once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from efctl.cli import cli
from efctl.config import load_settings


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def efctl_with(config: str, **env: str):
        (tmp_path / "efctl.yaml").write_text(config, encoding="utf-8")
        return CliRunner().invoke(cli, ["validate"], env={"NO_COLOR": "1", **env})

    return efctl_with


FAILED = (
    "efctl: error: efctl.yaml has errors (listed above)\n"
    '    hint: fix them and run again (README "Configuration" describes every setting)\n'
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
        "    hint: settings: clients, seed, backend, catalog, document_delay, rotate_before_days,"
        " smtp, expiry_warning_days, lock_timeout\n" + FAILED
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


def test_a_lock_timeout_is_seconds_from_efctl_yaml_or_the_environment(run, tmp_path):
    result = run("lock_timeout: soon\n")
    assert result.stderr == (
        "efctl.yaml:1:15: error EF012: lock_timeout must be a number of seconds, 0 or more, "
        "not a value\n"
        "    hint: lock_timeout: seconds apply waits for a relationship another apply holds, "
        "e.g. 300\n" + FAILED
    )
    garbled = run("clients: clients\n", EFCTL_LOCK_TIMEOUT="-1")
    assert (garbled.exit_code, garbled.stderr) == (
        1,
        "efctl: error: EFCTL_LOCK_TIMEOUT='-1' is not a number of seconds\n"
        "    hint: use a number of seconds, 0 or more, e.g. EFCTL_LOCK_TIMEOUT=300\n",
    )
    (tmp_path / "efctl.yaml").write_text("lock_timeout: 7.5\n", encoding="utf-8")
    assert load_settings(cwd=tmp_path, environ={}).lock_timeout == 7.5
    assert load_settings(cwd=tmp_path, environ={"EFCTL_LOCK_TIMEOUT": "2"}).lock_timeout == 2
    (tmp_path / "efctl.yaml").write_text("clients: clients\n", encoding="utf-8")
    assert load_settings(cwd=tmp_path, environ={}).lock_timeout == 300


NO_BACKEND_IN_CI = (
    "efctl: error: EFCTL_BACKEND is empty: in CI, efctl does not fall back to efctl.yaml's "
    "backend or the sandbox\n"
    "    hint: set EFCTL_BACKEND to the bank's URL (in a workflow, check that its secret exists "
    "and is not empty), or to 'sandbox' (or sqlite:///PATH) to use a sandbox on purpose\n"
)
NOT_IN_CI = {"CI": None, "GITHUB_ACTIONS": None}


@pytest.fixture
def orders(tmp_path, monkeypatch):
    """`efctl orders list` (it opens the bank) with efctl.yaml CONFIG and the environment ENV."""
    monkeypatch.chdir(tmp_path)

    def list_orders(config: str, env: dict):
        (tmp_path / "efctl.yaml").write_text(config, encoding="utf-8")
        return CliRunner().invoke(cli, ["orders", "list"], env={"NO_COLOR": "1", **env})

    return list_orders


@pytest.mark.parametrize("ci", [{"CI": "true"}, {"GITHUB_ACTIONS": "true"}], ids=["CI", "Actions"])
@pytest.mark.parametrize(
    "config",
    ["clients: clients\n", "clients: clients\nbackend: sqlite:///bank.db\n"],
    ids=["no backend in efctl.yaml", "a backend in efctl.yaml"],
)
def test_in_ci_an_empty_backend_a_missing_secret_is_an_error_never_the_sandbox(
    orders, tmp_path, ci, config
):
    result = orders(config, {**NOT_IN_CI, "EFCTL_BACKEND": "", **ci})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == NO_BACKEND_IN_CI
    assert not (tmp_path / "bank.db").exists()


NO_BACKEND_NAMED_IN_CI = (
    "efctl: error: no backend is set (EFCTL_BACKEND, --backend or efctl.yaml's backend): in CI, "
    "efctl does not fall back to the sandbox\n"
    "    hint: set EFCTL_BACKEND to the bank's URL (in a workflow, check that its secret exists "
    "and is not empty), or to 'sandbox' (or sqlite:///PATH) to use a sandbox on purpose\n"
)


@pytest.mark.parametrize("ci", [{"CI": "true"}, {"GITHUB_ACTIONS": "true"}], ids=["CI", "Actions"])
def test_in_ci_an_unset_backend_is_an_error_never_the_sandbox(orders, tmp_path, ci):
    result = orders("clients: clients\n", {**NOT_IN_CI, "EFCTL_BACKEND": None, **ci})
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", NO_BACKEND_NAMED_IN_CI)
    assert not (tmp_path / ".efctl").exists()


def no_sandbox_at(path: str) -> str:
    """What `efctl orders list` says when the sandbox it was asked for does not exist yet."""
    return (
        f"efctl: error: there is no sandbox bank at {path}\n"
        "    hint: `efctl sandbox init --seed DIR` creates it and seeds it from the bank seed "
        "folder DIR\n"
    )


@pytest.mark.parametrize(
    ("config", "backend", "store"),
    [
        ("clients: clients\n", "sandbox", ".efctl/sandbox.db"),
        ("clients: clients\n", "sqlite:///bank.db", "bank.db"),
        ("clients: clients\nbackend: sqlite:///bank.db\n", None, "bank.db"),
        ("clients: clients\nbackend: sandbox\n", None, ".efctl/sandbox.db"),
    ],
    ids=[
        "EFCTL_BACKEND=sandbox",
        "EFCTL_BACKEND=sqlite",
        "efctl.yaml sqlite",
        "efctl.yaml sandbox",
    ],
)
def test_in_ci_the_sandbox_asked_for_by_name_is_used(orders, tmp_path, config, backend, store):
    result = orders(config, {**NOT_IN_CI, "EFCTL_BACKEND": backend, "CI": "true"})
    assert (result.exit_code, result.stderr) == (1, no_sandbox_at(f"{tmp_path}/{store}"))


@pytest.mark.parametrize("backend", [None, ""], ids=["unset", "empty"])
def test_outside_ci_no_backend_still_means_the_local_sandbox(orders, tmp_path, backend):
    result = orders("clients: clients\n", {**NOT_IN_CI, "EFCTL_BACKEND": backend})
    assert (result.exit_code, result.stderr) == (1, no_sandbox_at(f"{tmp_path}/.efctl/sandbox.db"))

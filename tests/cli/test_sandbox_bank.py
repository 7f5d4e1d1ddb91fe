"""What efctl may create at the bank, and how it shows a bank's URL, through the real CLI.

Outside a repository (no efctl.yaml): nothing is created unless the seed folder exists, and then
only a new local SQLite file. A PostgreSQL database is filled only by `efctl sandbox init`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from efctl.cli import cli
from efctl.render.diagnostics import format_diagnostic
from efctl.sandbox import SeedError, load_seed

EXAMPLES_BANK = Path(__file__).parent.parent.parent / "examples" / "bank"
INIT_HINT = (
    "    hint: `efctl sandbox init --seed DIR` creates it and seeds it from the bank seed folder"
    " DIR\n"
)
# Every variable that could point efctl elsewhere is unset; None removes it for the run. These
# are a developer's machine: in CI an unset backend is an error (tests/test_config.py).
ENV = {
    "CI": None,
    "GITHUB_ACTIONS": None,
    "EFCTL_BACKEND": None,
    "EFCTL_SEED": None,
    "EFCTL_CATALOG": None,
    "EFCTL_TODAY": "2026-11-20",
    "NO_COLOR": "1",
}


def efctl(*args: str):
    return CliRunner().invoke(cli, list(args), env=ENV, catch_exceptions=False)


def outcome(result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """An empty working folder that is no efctl repository."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


# On PostgreSQL alone: conftest's store_url is then a URL whose fresh schema does not exist yet.
ON_POSTGRES = pytest.mark.stores("postgresql")


def postgres_tables(url: str) -> tuple[bool, int]:
    """Whether the schema of ``url`` exists, and how many tables it holds."""
    import psycopg

    server, _, schema = url.rpartition("schema=")
    with psycopg.connect(server[:-1], autocommit=True) as connection:
        exists = connection.execute(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()[0]
        tables = connection.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()[0]
    return bool(exists), tables


# --- never create or seed what the user did not ask for ---------------------------------------


NO_DECLARATIONS = (
    "clients: error EF006: no such file or folder\n"
    "    hint: name a declaration file or a folder\n"
    "1 error, 0 warnings in 0 files\n"
)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (
            ["plan"],
            NO_DECLARATIONS + "efctl: error: the declarations have errors (listed above)\n"
            "    hint: fix them and run again; `efctl validate` shows the same list\n",
        ),
        (["validate"], NO_DECLARATIONS),
        (["sandbox", "status"], "efctl: error: there is no sandbox bank at {bank}\n" + INIT_HINT),
    ],
)
def test_outside_a_repository_nothing_is_created(folder, command, says):
    """The first problem is the one reported (no declarations before no bank), and the
    folder is left as it was."""
    bank = folder / ".efctl" / "sandbox.db"
    assert outcome(efctl(*command)) == (1, "", says.format(bank=bank))
    assert list(folder.iterdir()) == []


def test_the_hint_works_outside_a_repository(folder):
    assert efctl("plan").exit_code == 1
    assert outcome(efctl("sandbox", "init", "--seed", str(EXAMPLES_BANK))) == (
        0,
        f"created the sandbox bank at {folder / '.efctl' / 'sandbox.db'} from {EXAMPLES_BANK}"
        " (5 relationships)\n",
        "",
    )
    assert efctl("sandbox", "status").exit_code == 0


def test_a_new_sqlite_file_is_created_and_seeded_when_the_seed_folder_exists(folder):
    shutil.copytree(EXAMPLES_BANK, folder / "examples" / "bank")
    status = efctl("sandbox", "status")
    assert status.exit_code == 0
    assert status.stderr == (
        f"efctl: created the sandbox bank at {folder / '.efctl' / 'sandbox.db'} from"
        f" {folder / 'examples' / 'bank'} (5 relationships)\n"
    )
    assert (folder / ".efctl" / "sandbox.db").is_file()


def test_an_existing_sqlite_file_without_tables_is_never_seeded(folder):
    shutil.copytree(EXAMPLES_BANK, folder / "examples" / "bank")
    theirs = folder / "theirs.db"
    theirs.write_bytes(b"")
    assert outcome(efctl("--backend", f"sqlite:///{theirs}", "sandbox", "status")) == (
        1,
        "",
        f"efctl: error: there is no sandbox bank at {theirs}\n" + INIT_HINT,
    )
    assert theirs.read_bytes() == b""
    assert sorted(p.name for p in folder.iterdir()) == ["examples", "theirs.db"]


@ON_POSTGRES
@pytest.mark.parametrize("command", [["plan"], ["validate"], ["sandbox", "status"]])
def test_a_postgres_database_is_never_created_into(folder, store_url, command):
    url = store_url
    shutil.copytree(EXAMPLES_BANK, folder / "examples" / "bank")  # even with a seed at hand
    shutil.copytree(EXAMPLES_BANK.parent / "clients", folder / "clients")  # to be checked
    assert outcome(efctl("--backend", url, *command)) == (
        1,
        "",
        f"efctl: error: there is no sandbox bank at {url}\n" + INIT_HINT,
    )
    assert postgres_tables(url) == (False, 0)


@ON_POSTGRES
def test_only_sandbox_init_fills_a_postgres_database(folder, store_url):
    url = store_url
    assert outcome(efctl("--backend", url, "sandbox", "init", "--seed", str(EXAMPLES_BANK))) == (
        0,
        f"created the sandbox bank at {url} from {EXAMPLES_BANK} (5 relationships)\n",
        "",
    )
    assert postgres_tables(url) == (True, 12)
    assert efctl("--backend", url, "sandbox", "status").exit_code == 0


# --- passwords in URLs ------------------------------------------------------------------------


def test_no_password_of_an_unreachable_postgres_url_is_shown(folder):
    url = (
        "postgresql://postgres:pw-in-userinfo@127.0.0.1:1/test"
        "?password=pw-in-query&sslpassword=pw-of-the-key&connect_timeout=2"
    )
    result = efctl("--backend", url, "sandbox", "status")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "efctl: error: cannot connect to the sandbox bank at postgresql://postgres:***@127.0.0.1:1"
        "/test?password=***&sslpassword=***&connect_timeout=2: "
    )
    assert "pw-" not in result.output


def test_no_password_from_a_malformed_url_is_echoed(folder):
    url = "postgresql://postgres@127.0.0.1:1/test?password=pw%zz"
    result = efctl("--backend", url, "sandbox", "status")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "efctl: error: cannot connect to the sandbox bank at"
        " postgresql://postgres@127.0.0.1:1/test?password=***: "
    )
    assert "pw" not in result.output


@ON_POSTGRES
def test_no_password_in_init_status_and_errors(folder, store_url):
    url = store_url + "&password=pw-not-needed-under-trust"
    shown = url.replace("pw-not-needed-under-trust", "***")
    outputs = [
        efctl("--backend", url, "sandbox", "status"),
        efctl("--backend", url, "sandbox", "init", "--seed", str(EXAMPLES_BANK)),
        efctl("--backend", url, "sandbox", "status"),
        efctl("--backend", url, "sandbox", "init", "--seed", str(EXAMPLES_BANK)),
        efctl("--backend", url, "import", "20145837"),
    ]
    assert [r.exit_code for r in outputs] == [1, 0, 0, 1, 0]
    assert outputs[0].stderr.startswith(f"efctl: error: there is no sandbox bank at {shown}\n")
    assert outputs[1].stdout.startswith(f"created the sandbox bank at {shown} from ")
    assert f"{shown}" in outputs[2].stdout
    assert outputs[3].stderr.startswith(
        f"efctl: error: the sandbox bank at {shown} is already initialised\n"
    )
    assert shown in outputs[4].stdout
    assert not [r.output for r in outputs if "pw-not-needed" in r.output]


# --- a bad seed -------------------------------------------------------------------------------


BAD_SEED = Path(__file__).parent.parent / "sandbox" / "seeds" / "bad"


def bad_seed_says() -> str:
    """What a command refusing BAD_SEED prints: each problem once, then the message."""
    with pytest.raises(SeedError) as caught:
        load_seed(BAD_SEED)
    located = [format_diagnostic(d) for d in caught.value.diagnostics]
    assert len(located) == 13
    return (
        "".join(f"{line}\n" for line in located)
        + f"efctl: error: the bank seed in {BAD_SEED} has 13 problems (listed above)\n"
        "    hint: fix the seed files; the sandbox bank was left as it was\n"
    )


@pytest.mark.parametrize("command", ["init", "reset"])
def test_a_bad_seed_prints_each_diagnostic_once_and_creates_no_bank(folder, command):
    assert outcome(efctl("sandbox", command, "--seed", str(BAD_SEED))) == (1, "", bad_seed_says())
    assert list(folder.iterdir()) == []  # no .efctl/sandbox.db


@pytest.mark.parametrize("command", ["init", "reset"])
def test_a_bad_seed_leaves_no_sqlite_file_and_no_postgres_schema(folder, store_url, command):
    result = efctl("--backend", store_url, "sandbox", command, "--seed", str(BAD_SEED))
    assert outcome(result) == (1, "", bad_seed_says())
    if store_url.startswith("sqlite"):
        assert sorted(p.name for p in folder.parent.iterdir()) == ["work"]  # no bank.db
    else:
        assert postgres_tables(store_url) == (False, 0)
    assert outcome(efctl("--backend", store_url, "sandbox", "status")) == (
        1,
        "",
        f"efctl: error: there is no sandbox bank at {store_url.removeprefix('sqlite:///')}\n"
        + INIT_HINT,
    )

"""The sandbox bank on both engines: seeding, reading, versions, reset, status, query counts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from efctl.sandbox import (
    SCHEMA_VERSION,
    ClientStatus,
    SandboxError,
    SeedError,
    StoreStatus,
    open_store,
)
from efctl.sandbox.sql import display

# Both engines: the store itself.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

NOON = "2025-05-01T12:00:00+00:00"


INIT_HINT = "`efctl sandbox init --seed DIR` creates it and seeds it from the bank seed folder DIR"


def opened(url: str, seed_dir: Path | None = None, notes: list[str] | None = None):
    """The store at ``url``; seeded from ``seed_dir`` on first use, explicitly on PostgreSQL."""
    notify = (notes if notes is not None else []).append
    if seed_dir is not None and url.startswith("postgresql"):
        with open_store(url, create=True) as store:
            if not store.database.tables():
                store.init(seed_dir)
    return open_store(url, seed_dir=seed_dir, notify=notify)


def created(url: str):
    """An empty store, as `efctl sandbox init` opens it before seeding."""
    return open_store(url, create=True)


def test_seed_round_trip(store_url, good_seed, good_states):
    with opened(store_url, good_seed) as store:
        assert store.list_clients() == ["10000001", "10000002"]
        assert [store.read_client(c) for c in store.list_clients()] == good_states


def test_unknown_client_reads_as_none(store_url, good_seed):
    with opened(store_url, good_seed) as store:
        assert store.read_client("99999999") is None


def test_a_new_sqlite_store_is_created_and_seeded_with_one_notice(tmp_path, good_seed):
    url = f"sqlite:///{tmp_path / 'new' / 'bank.db'}"
    notes: list[str] = []
    with open_store(url, seed_dir=good_seed, notify=notes.append):
        pass
    with open_store(url, seed_dir=good_seed, notify=notes.append) as store:
        assert store.list_clients() == ["10000001", "10000002"]
    assert notes == [
        f"efctl: created the sandbox bank at {tmp_path / 'new' / 'bank.db'} from {good_seed}"
        " (2 relationships)"
    ]


def test_a_missing_sqlite_file_without_seed_creates_nothing(tmp_path):
    with pytest.raises(SandboxError) as caught:
        open_store(f"sqlite:///{tmp_path / 'new' / 'bank.db'}")
    assert caught.value.message == f"there is no sandbox bank at {tmp_path / 'new' / 'bank.db'}"
    assert caught.value.hint == INIT_HINT
    assert list(tmp_path.iterdir()) == []


def test_a_store_without_tables_is_never_seeded_on_opening(store_url, good_seed):
    with created(store_url) as store:
        url = store.url
    notes: list[str] = []
    with pytest.raises(SandboxError) as caught:
        open_store(store_url, seed_dir=good_seed, notify=notes.append)
    assert (caught.value.message, caught.value.hint) == (
        f"there is no sandbox bank at {url}",
        INIT_HINT,
    )
    assert notes == []
    with created(store_url) as store:
        assert store.database.tables() == set()


def test_the_notice_names_a_relative_sqlite_path_as_given(tmp_path, monkeypatch, good_seed):
    monkeypatch.chdir(tmp_path)
    notes: list[str] = []
    with opened("sqlite:///.efctl/sandbox.db", good_seed, notes):
        pass
    assert (tmp_path / ".efctl" / "sandbox.db").is_file()
    assert notes == [
        f"efctl: created the sandbox bank at .efctl/sandbox.db from {good_seed} (2 relationships)"
    ]


def test_a_bad_seed_creates_nothing(tmp_path, bad_seed, good_seed):
    url = f"sqlite:///{tmp_path / 'new' / 'bank.db'}"
    with pytest.raises(SeedError):
        open_store(url, seed_dir=bad_seed)
    assert list(tmp_path.iterdir()) == []
    notes: list[str] = []
    with open_store(url, seed_dir=good_seed, notify=notes.append) as store:
        assert store.list_clients() == ["10000001", "10000002"]
    assert len(notes) == 1


def test_an_empty_store_opened_for_init_says_how_to_init_when_read(store_url):
    with created(store_url) as store:
        for read in (store.list_clients, store.status, lambda: store.read_client("10000001")):
            with pytest.raises(SandboxError) as caught:
                read()
            assert caught.value.message == f"there is no sandbox bank at {store.url}"
            assert caught.value.hint == INIT_HINT


def test_init_seeds_an_empty_store_and_refuses_a_second_time(store_url, good_seed):
    with created(store_url) as store:
        assert store.init(good_seed) == 2
        assert store.list_clients() == ["10000001", "10000002"]
        with pytest.raises(SandboxError) as caught:
            store.init(good_seed)
        assert caught.value.message == f"the sandbox bank at {store.url} is already initialised"
        assert caught.value.hint == "`efctl sandbox reset` drops it and seeds it again"
    with opened(store_url) as store, pytest.raises(SandboxError) as caught:
        store.init(good_seed)
    assert caught.value.message == f"the sandbox bank at {store.url} is already initialised"


def test_reset_replaces_everything_with_the_new_seed(store_url, good_seed, changed_seed):
    with opened(store_url, good_seed) as store:
        assert store.reset(changed_seed) == 1
        assert store.list_clients() == ["10000003"]
        assert store.read_client("10000001") is None
    with opened(store_url) as store:
        assert store.list_clients() == ["10000003"]
        assert store.read_client("10000003").serial == 5


def test_reset_with_a_bad_seed_leaves_the_store_as_it_was(store_url, good_seed, bad_seed):
    with opened(store_url, good_seed) as store:
        with pytest.raises(SeedError):
            store.reset(bad_seed)
        assert store.list_clients() == ["10000001", "10000002"]


def test_status(store_url, good_seed):
    with opened(store_url, good_seed) as store:
        status = store.status()
    assert status == StoreStatus(
        url=store.url,
        schema_version=SCHEMA_VERSION,
        clients=(
            ClientStatus(
                "10000001", "Bärtschi Holzbau AG", 41, users=2, contracts=4, pending_orders=0
            ),
            ClientStatus(
                "10000002", "Fiduciaire Gisèle Favre SA", 1, users=1, contracts=1, pending_orders=0
            ),
        ),
    )
    assert status.as_json["clients"][0] == {
        "id": "10000001",
        "name": "Bärtschi Holzbau AG",
        "serial": 41,
        "users": 2,
        "contracts": 4,
        "pending_orders": 0,
    }


def test_pending_orders_are_counted_per_client(store_url, good_seed):
    columns = ("id", "client_id", "status", "maker", "checkers", "base_serial", "changes")
    with opened(store_url, good_seed) as store:
        with store.database.transaction(write=True):
            store.database.insert_many(
                "orders",
                (*columns, "created_at", "reason"),
                [
                    ("O-1", "10000001", "pending", "anna.muster", "[]", 41, "[]", NOON, None),
                    ("O-2", "10000001", "rejected", "anna.muster", "[]", 41, "[]", NOON, "stale"),
                ],
            )
        assert [c.pending_orders for c in store.status().clients] == [1, 0]


def test_another_schema_version_names_both_versions_and_the_fix(store_url, good_seed):
    with opened(store_url, good_seed) as store, store.database.transaction(write=True):
        store.database.execute("UPDATE schema_version SET version = ?", (99,))
    with opened(store_url, good_seed) as store:
        with pytest.raises(SandboxError) as caught:
            store.read_client("10000001")
        assert caught.value.message == (
            f"the sandbox bank at {store.url} has schema version 99, "
            f"but this efctl needs schema version {SCHEMA_VERSION}"
        )
        assert (
            caught.value.hint
            == "`efctl sandbox reset` drops it and seeds it again (its data is lost)"
        )
        assert store.reset(good_seed) == 2
        assert store.list_clients() == ["10000001", "10000002"]


def test_tables_without_a_schema_version_are_not_taken_for_a_bank(store_url, good_seed):
    with created(store_url) as store:
        store.database.execute("CREATE TABLE clients (id TEXT PRIMARY KEY)")
    with opened(store_url, good_seed) as store:
        with pytest.raises(SandboxError) as caught:
            store.list_clients()
        assert caught.value.message == (
            f"the sandbox bank at {store.url} has no schema version, "
            f"but this efctl needs schema version {SCHEMA_VERSION}"
        )
        store.reset(good_seed)
        assert store.list_clients() == ["10000001", "10000002"]


def test_reading_a_relationship_costs_the_same_queries_small_or_large(store_url, tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    _write_relationship(seed, "10000001", users=1, contracts=1)
    _write_relationship(seed, "10000002", users=120, contracts=10)
    with opened(store_url, seed) as store:
        counts = {}
        for client_id in ("10000001", "10000002"):
            statements: list[str] = []
            store.database.trace = statements.append
            state = store.read_client(client_id)
            store.database.trace = None
            counts[client_id] = sum(s.lstrip().startswith("SELECT") for s in statements)
        assert len(state.users) == 120
        assert sum(len(u.authorizations) for u in state.users) == 120 * 10
    assert counts == {"10000001": 7, "10000002": 7}  # clients + one per part of a relationship


def _write_relationship(seed: Path, client_id: str, *, users: int, contracts: int) -> None:
    ids = [f"CH{client_id}{n:011d}" for n in range(contracts)]
    document = {
        "version": 1,
        "client": {"id": client_id, "name": f"Client {client_id}", "language": "de"},
        "contracts": [{"id": i, "type": "account", "name": f"Konto {i}"} for i in ids],
        "users": [
            {
                "id": f"user.{n:04d}",
                "name": f"User {n}",
                "authorizations": dict.fromkeys(ids, "read"),
            }
            for n in range(users)
        ],
    }
    (seed / f"{client_id}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize(
    ("statement", "row"),
    [
        (
            "INSERT INTO authorizations VALUES (?, ?, ?, ?)",
            ("10000002", "anna.muster", "EB-10000002-1-x", "read"),
        ),  # unknown contract
        (
            "INSERT INTO authorizations VALUES (?, ?, ?, ?)",
            ("10000001", "bruno.keller", "KA-10000001-1", "none"),
        ),  # 'none' is never stored
        (
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "10000001",
                "D-1",
                "CH5604835012345678009",
                "statement",
                None,
                "2019",
                "ebanking",
                "monthly",
            ),
        ),
        (
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("10000001", "carla.rossi", "Carla Rossi", None, "rm", None, "none"),
        ),  # language
        (
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("10000001", "carla.rossi", "Carla Rossi", None, "it", "anna-m", "none"),
        ),  # github twice
    ],
)
def test_the_tables_refuse_what_the_bank_never_holds(store_url, good_seed, statement, row):
    with opened(store_url, good_seed) as store:
        before = store.read_client("10000001")
        with pytest.raises(SandboxError) as caught, store.database.transaction(write=True):
            store.database.execute(statement, row)
        assert caught.value.message.startswith(f"the sandbox bank at {store.url} failed: ")
        assert store.read_client("10000001") == before  # nothing of the refused row stayed


def test_unknown_url_scheme():
    with pytest.raises(SandboxError) as caught:
        open_store("mysql://root:secret@localhost/bank")
    assert caught.value.message == "unknown sandbox bank URL 'mysql://root:***@localhost/bank'"


def test_unreachable_postgres_names_the_url_without_password():
    with pytest.raises(SandboxError) as caught:
        open_store("postgresql://postgres:secret@127.0.0.1:1/test?connect_timeout=2")
    message = caught.value.message
    assert message.startswith(
        "cannot connect to the sandbox bank at "
        "postgresql://postgres:***@127.0.0.1:1/test?connect_timeout=2: "
    )
    assert "secret" not in message


def test_schema_name_must_be_a_plain_identifier():
    with pytest.raises(SandboxError) as caught:
        open_store('postgresql://postgres@127.0.0.1:5432/test?schema=x";drop')
    assert caught.value.message == ("schema name 'x\";drop' in the sandbox bank URL is not allowed")


def test_postgres_without_psycopg_says_what_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)
    with pytest.raises(SandboxError) as caught:
        open_store("postgresql://postgres@127.0.0.1:5432/test")
    assert caught.value.message == "a PostgreSQL sandbox bank needs the psycopg driver"
    assert caught.value.hint == "pip install 'efctl[postgres]'"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://u:pw@db.example.ch:5432/bank?schema=s",
            "postgresql://u:***@db.example.ch:5432/bank?schema=s",
        ),
        (
            "postgresql://u@db/bank?password=pw&sslmode=require&sslpassword=key%20pw",
            "postgresql://u@db/bank?password=***&sslmode=require&sslpassword=***",
        ),
        ("postgresql://u:p@w:rd@db/bank?PASSWORD=x", "postgresql://u:***@db/bank?PASSWORD=***"),
        ("postgres://db/bank?schema=s&api_token=t", "postgres://db/bank?schema=s&api_token=***"),
        ("postgresql://db/bank", "postgresql://db/bank"),
        ("mysql://root:secret@localhost/bank", "mysql://root:***@localhost/bank"),
        ("sqlite:///.efctl/sandbox.db", ".efctl/sandbox.db"),
    ],
)
def test_display_hides_every_password(url, shown):
    assert display(url) == shown


def test_a_file_that_is_no_database(tmp_path):
    (tmp_path / "notes.db").write_text("shopping list: bread, milk\n" * 100)
    with pytest.raises(SandboxError) as caught:
        open_store(f"sqlite:///{tmp_path / 'notes.db'}")
    assert caught.value.message == (
        f"the sandbox bank at {tmp_path / 'notes.db'} failed: file is not a database"
    )


@pytest.mark.stores("postgresql")
def test_the_rest_of_a_postgres_url_reaches_libpq_as_written(store_url):
    """An encoded space in `options` stays a space; decoded and encoded again it was a `+`,
    and the server refused the setting."""
    url = f"{store_url}&options=-c%20statement_timeout%3D4321"
    with open_store(url, create=True) as bank:
        assert bank.database.query("SHOW statement_timeout") == [("4321ms",)]

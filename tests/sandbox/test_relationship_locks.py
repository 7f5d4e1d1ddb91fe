"""The store's per-relationship apply locks, on both engines, through two connections at once.

Through the real command: tests/cli/test_concurrent_apply.py (other processes, kill -9).
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime

import pytest

from efctl.sandbox import open_store
from efctl.sandbox.errors import RelationshipBusyError
from reconcile.backend import LockHolder

# Both engines: the locks are the store's.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

FAVRE, OTHER = "10000002", "10000001"
PLAN_A, PLAN_B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def bank(store_url, good_seed):
    with open_store(store_url, create=True) as store:
        store.init(good_seed)
    return store_url


def second_bank(store_url: str, good_seed) -> str:
    """Another bank beside BANK: a second file, or a second schema of the same database."""
    other = store_url.replace("bank.db", "other.db") if "sqlite" in store_url else store_url + "b"
    with open_store(other, create=True) as store:
        store.init(good_seed)
    return other


def test_a_held_relationship_is_busy_for_others_and_free_for_the_rest(bank):
    with open_store(bank, clock=lambda: NOON) as one, open_store(bank) as two:
        with one.hold(FAVRE, PLAN_A, 0) as waited_for:
            assert waited_for is None
            with pytest.raises(RelationshipBusyError) as busy, two.hold(FAVRE, PLAN_B, 0.2):
                pytest.fail("held twice")
            with two.hold(OTHER, PLAN_B, 0) as other:  # another relationship: no wait
                assert other is None
        with two.hold(FAVRE, PLAN_B, 0) as released:  # released at the end of the block
            assert released is None
    holder = LockHolder("a" * 12, os.getpid(), socket.gethostname(), NOON)
    assert (busy.value.client, busy.value.holder, busy.value.waited) == (FAVRE, holder.text(), 0.2)
    assert str(busy.value) == (
        f"relationship {FAVRE} is being applied by efctl apply of plan sha256:aaaaaaaaaaaa…,"
        f" pid {os.getpid()} on host {socket.gethostname()}, since 2026-11-28 12:00:00 UTC"
        " (waited 0.2 s)"
    )


def test_a_waiter_gets_the_lock_once_it_is_released_and_says_whom_it_waited_for(bank):
    tried = threading.Event()
    waited: list[LockHolder | None] = []
    tries = iter(range(1_000_000))

    def clock() -> datetime:
        """Read once per try: the second read means that the first try failed."""
        if next(tries) == 1:
            tried.set()
        return NOON

    def waiter() -> None:
        with open_store(bank, clock=clock) as two, two.hold(FAVRE, PLAN_A, 30) as waited_for:
            waited.append(waited_for)

    with open_store(bank, clock=lambda: NOON) as one:
        with one.hold(FAVRE, PLAN_A, 0):
            thread = threading.Thread(target=waiter)
            thread.start()
            assert tried.wait(30)
        thread.join(30)
    assert waited == [LockHolder("a" * 12, os.getpid(), socket.gethostname(), NOON)]
    assert waited[0].applies(PLAN_A) and not waited[0].applies(PLAN_B)


def test_banks_in_two_schemas_of_one_database_never_share_a_lock(bank, good_seed):
    other = second_bank(bank, good_seed)
    try:
        with (
            open_store(bank) as one,
            open_store(other) as two,
            one.hold(FAVRE, PLAN_A, 0),
            two.hold(FAVRE, PLAN_A, 0),
        ):
            pass  # the same relationship id, held in both banks at once
    finally:
        if other.startswith("postgresql"):
            import psycopg

            schema = other.rpartition("schema=")[2]
            with psycopg.connect(other.partition("?")[0], autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.stores("postgresql")
def test_a_postgresql_session_that_is_not_efctl_is_named_by_its_pid(bank):
    with open_store(bank) as one, open_store(bank) as two:
        other = one.database
        other.execute("SET application_name TO 'psql'")
        [(pid,)] = other.query("SELECT pg_backend_pid()")
        key = f"hashtextextended(current_schema() || ':' || '{FAVRE}', 0)"
        other.execute(f"SELECT pg_advisory_lock({key})")  # by hand, as someone at a psql prompt
        with pytest.raises(RelationshipBusyError) as busy, two.hold(FAVRE, PLAN_B, 0):
            pytest.fail("held twice")
    assert str(busy.value) == (
        f"relationship {FAVRE} is being applied by PostgreSQL session {pid}"
        " (application_name 'psql') (waited 0 s)"
    )

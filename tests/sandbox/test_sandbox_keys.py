"""The bank's side of API keys, on both engines: issued once, inactive until activated, stored
as a salted scrypt hash and a fingerprint, two years valid (29 February -> 28 February),
revoked by admins only. The bank's clock is injected, never patched."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from efctl.sandbox import OrderRefused, SandboxError, open_store
from efctl.sandbox.keys import fingerprint_of, hash_secret, secret_matches
from reconcile.model import KeyState

pytestmark = pytest.mark.stores("sqlite", "postgresql")

SEED = Path(__file__).parents[2] / "examples" / "bank"
ROCHAT = "40227319"
ADMIN = "frederic.rochat"  # an admin of Rochat & Dufour
NOT_ADMIN = "helene.perret"  # the key's user, no Admin right


class Clock:
    """The bank's clock, moved by the test."""

    def __init__(self, day: str):
        self.now = datetime.fromisoformat(f"{day}T09:30:00+00:00")

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: str) -> None:
        self.now = datetime.fromisoformat(f"{day}T09:30:00+00:00").astimezone(UTC)


@pytest.fixture
def bank(store_url):
    clock = Clock("2028-02-29")
    with open_store(store_url, create=True, clock=clock) as store:
        store.init(SEED)
        store.clock = clock
        yield store


def keys_of(store, name="erp-facturation"):
    return [k for k in store.read_client(ROCHAT).api_keys if k.name == name]


def test_issued_inactive_dated_by_the_clock_29_february(bank):
    issued = bank.issue_api_key(ROCHAT, "erp-2", NOT_ADMIN, ADMIN)
    assert (issued.created, issued.expires) == (date(2028, 2, 29), date(2030, 2, 28))
    assert issued.fingerprint == fingerprint_of(issued.secret)
    assert len(issued.fingerprint) == len("sha256:") + 16
    assert issued.secret not in repr(issued)
    (listed,) = keys_of(bank, "erp-2")
    assert listed.state is KeyState.INACTIVE
    assert bank.verify_api_key(ROCHAT, issued.secret) is None  # not usable before activation
    bank.activate_api_key(ROCHAT, issued.fingerprint)
    assert keys_of(bank, "erp-2")[0].state is KeyState.ACTIVE
    assert bank.verify_api_key(ROCHAT, issued.secret) == "erp-2"
    assert bank.verify_api_key(ROCHAT, issued.secret + "x") is None


def test_rotation_activates_the_new_key_and_revokes_the_old(bank):
    first = bank.issue_api_key(ROCHAT, "erp-2", NOT_ADMIN, ADMIN)
    bank.activate_api_key(ROCHAT, first.fingerprint)
    bank.clock.set("2029-12-01")
    second = bank.issue_api_key(ROCHAT, "erp-2", NOT_ADMIN, ADMIN)
    assert {k.state for k in keys_of(bank, "erp-2")} == {KeyState.ACTIVE, KeyState.INACTIVE}
    # Activation holds only while the name's active keys are what the requester saw: of two
    # runs issuing the key at once, the second finds it changed.
    with pytest.raises(SandboxError, match="changed while this key was being issued"):
        bank.activate_api_key(ROCHAT, second.fingerprint, (second.fingerprint,))
    bank.activate_api_key(ROCHAT, second.fingerprint, (first.fingerprint,))
    (left,) = keys_of(bank, "erp-2")
    assert (left.fingerprint, left.created, left.expires) == (
        second.fingerprint,
        date(2029, 12, 1),
        date(2031, 12, 1),
    )
    assert bank.verify_api_key(ROCHAT, first.secret) is None
    assert bank.verify_api_key(ROCHAT, second.secret) == "erp-2"
    with pytest.raises(SandboxError, match="is active"):
        bank.activate_api_key(ROCHAT, second.fingerprint, (second.fingerprint,))


def test_only_admins_request_and_only_for_users_with_billing(bank):
    with pytest.raises(OrderRefused, match=r"admins only: 'helene\.perret' holds no Admin right"):
        bank.issue_api_key(ROCHAT, "erp-2", NOT_ADMIN, NOT_ADMIN)
    with pytest.raises(OrderRefused, match=r"'nobody' is none"):
        bank.issue_api_key(ROCHAT, "erp-2", "nobody", ADMIN)
    with pytest.raises(OrderRefused, match="admins only"):
        bank.revoke_api_keys(ROCHAT, "erp-facturation", NOT_ADMIN)
    assert len(keys_of(bank)) == 1  # nothing was issued or revoked
    assert bank.revoke_api_keys(ROCHAT, "erp-facturation", ADMIN) == 1
    assert keys_of(bank) == []


def test_the_bank_stores_a_salted_slow_hash_never_the_secret(bank, store_url):
    issued = bank.issue_api_key(ROCHAT, "erp-2", NOT_ADMIN, ADMIN)
    rows = bank.database.query(
        "SELECT secret_hash FROM api_keys WHERE fingerprint = ?", (issued.fingerprint,)
    )
    (stored,) = rows[0]
    assert stored.startswith("scrypt$16384$8$1$") and issued.secret not in stored
    assert secret_matches(issued.secret, stored)
    assert hash_secret(issued.secret) != stored  # salted: never the same twice
    bank.discard_api_key(ROCHAT, issued.fingerprint)
    assert keys_of(bank, "erp-2") == []

"""LockHolder: who holds a relationship during an apply, as a waiting apply names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconcile.backend import LockHolder

HOLDER = LockHolder("3f2a9c01d4e5", 4711, "runner-7", datetime(2026, 11, 8, 9, 5, 3, tzinfo=UTC))


def test_the_holder_is_named_with_plan_process_host_and_time():
    assert HOLDER.text() == (
        "efctl apply of plan sha256:3f2a9c01d4e5…, pid 4711 on host runner-7,"
        " since 2026-11-08 09:05:03 UTC"
    )


@pytest.mark.parametrize(
    ("plan_id", "applies"),
    [
        ("sha256:3f2a9c01d4e5" + "0" * 52, True),
        ("3f2a9c01d4e5" + "0" * 52, True),  # the id's digits alone
        ("sha256:3f2a9c01d4e6" + "0" * 52, False),
        ("sha256:03f2a9c01d4e5" + "0" * 51, False),
    ],
)
def test_the_holder_applies_the_plan_whose_id_starts_with_its_digits(plan_id, applies):
    assert HOLDER.applies(plan_id) is applies

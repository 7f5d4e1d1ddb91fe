"""Shared fixtures. ``store_url`` runs a test once on SQLite and once on PostgreSQL.

The PostgreSQL run uses EFCTL_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test)
with a fresh schema per test, dropped afterwards. An unreachable server skips those runs, except
under CI=true, where it fails them: CI must never pass by skipping the second engine.
"""

from __future__ import annotations

import functools
import os
import uuid

import pytest

POSTGRES_URL = os.environ.get("EFCTL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_unavailable() -> str | None:
    """Why the test server cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {str(exc).strip()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bank.db'}"
        return
    problem = postgres_unavailable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    import psycopg

    schema = f"efctl_t{uuid.uuid4().hex[:16]}"
    yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

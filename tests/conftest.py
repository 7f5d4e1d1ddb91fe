"""Shared fixtures. ``store_url`` is a fresh sandbox bank on SQLite or on PostgreSQL.

A test that reaches ``store_url`` (itself, or through the CLI's ``repo`` and ``examples_repo``)
runs on SQLite alone, unless it or its module is marked with the engines it needs::

    pytestmark = pytest.mark.stores("sqlite", "postgresql")  # the whole module, on both

The mark belongs where the store matters: the store and the orders themselves, apply, the
audit chain, import from the bank, concurrency and how often the bank is read. Everything
else (declarations, plans, rendering, files) reads the bank through the same store interface,
which those tests hold to the same behaviour on both engines. Test ids name the engine:
``[sqlite]``, ``[postgresql]``; ``-m postgres`` selects the PostgreSQL runs.

The PostgreSQL run uses EFCTL_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test)
with a fresh schema per test, dropped afterwards. An unreachable server skips those runs, except
under CI=true, where it fails them: CI must never pass by skipping the second engine.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests' budgets: 200 random examples each while working (`dev`); the same from a fixed
# seed in the suite under CI=true (`ci`), so that a failure there is reproducible; `fuzz`, 2,000
# per property from the fixed seed, is .ci/run's fuzzing step (`pytest -m properties`);
# `nightly` searches long. EFCTL_HYPOTHESIS names the profile.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
_FIXED = {"derandomize": True, "database": None, **_PROFILE}
settings.register_profile("dev", max_examples=200, **_PROFILE)
settings.register_profile("ci", max_examples=200, **_FIXED)
settings.register_profile("fuzz", max_examples=2000, **_FIXED)
settings.register_profile("nightly", max_examples=50_000, **_PROFILE)
settings.load_profile(
    os.environ.get("EFCTL_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev")
)

POSTGRES_URL = os.environ.get("EFCTL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ("sqlite", "postgresql")
DEFAULT_ENGINES = ("sqlite",)


def pytest_configure(config):
    config.addinivalue_line("markers", "properties: a hypothesis property (set by conftest)")
    config.addinivalue_line(
        "markers",
        "stores(*engines): the engines `store_url` runs the test on, of 'sqlite' and"
        " 'postgresql' (unmarked: sqlite alone)",
    )


def pytest_collection_modifyitems(items):
    """Mark every hypothesis test ``properties``, which the fuzzing step selects."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.properties)
    _quickest_first_under_mutmut(items)


def _quickest_first_under_mutmut(items):
    """For one mutant (mutmut runs ``pytest -x`` on the tests that reached it, in no order),
    the tests in the order of the durations mutmut recorded: a mutant dies at its first failing
    test, most of them in the engine's own unit tests, within a second instead of a minute."""
    stats = Path("mutmut-stats.json")  # mutmut runs the tests in mutants/, beside its stats
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", "") or not stats.exists():
        return
    durations = json.loads(stats.read_text(encoding="utf-8"))["duration_by_test"]
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


def pytest_generate_tests(metafunc):
    """Run a test that reaches ``store_url`` once per engine of its closest ``stores`` mark."""
    if "store_url" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("stores")
    engines = marker.args if marker else DEFAULT_ENGINES
    unknown = [engine for engine in engines if engine not in ENGINES]
    if unknown or not engines:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: stores({', '.join(map(repr, engines))}) names no"
            f" engine or an unknown one; the engines are {', '.join(ENGINES)}"
        )
    metafunc.parametrize(
        "store_url",
        [
            pytest.param(engine, id=engine, marks=[pytest.mark.postgres] * (engine != "sqlite"))
            for engine in engines
        ],
        indirect=True,
    )


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


@pytest.fixture
def store_url(request, tmp_path):
    """A URL of a fresh, empty store on the engine pytest_generate_tests chose."""
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


@pytest.fixture(autouse=True)
def _terminal_width(monkeypatch):
    """Text views wrap to the terminal (shutil.get_terminal_size): the expected outputs are
    for 100 columns, whatever terminal or pipe the test runner has (xdist workers differ)."""
    monkeypatch.setenv("COLUMNS", "100")

"""A throwaway efctl repository per test: efctl.yaml, clients/, a bank seed, a sandbox bank at
``store_url``, and a runner that calls the real CLI in it.

The sandbox is on SQLite, unless the test or its module is marked
``pytest.mark.stores("sqlite", "postgresql")`` (see tests/conftest.py): apply, orders, audit,
import and concurrency are, because there the store is what is tested."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from efctl.cli import cli

HERE = Path(__file__).parent
TODAY = "2026-11-20"


@dataclass
class Repo:
    root: Path
    env: dict[str, str]

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def efctl(self, *args: str):
        return CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)


@pytest.fixture
def repo(tmp_path, store_url, monkeypatch) -> Repo:
    """A repository seeded from tests/cli/bank with an empty clients/ folder."""
    root = tmp_path / "repo"
    shutil.copytree(HERE / "bank", root / "bank")
    (root / "clients").mkdir()
    (root / "efctl.yaml").write_text("clients: clients\nseed: bank\n", encoding="utf-8")
    return _ready(root, store_url, monkeypatch)


@pytest.fixture
def examples_repo(tmp_path, store_url, monkeypatch) -> Repo:
    """A repository holding copies of examples/clients and examples/bank."""
    root = tmp_path / "repo"
    top = HERE.parent.parent / "examples"
    shutil.copytree(top / "clients", root / "clients")
    shutil.copytree(top / "bank", root / "bank")
    (root / "efctl.yaml").write_text("clients: clients\nseed: bank\n", encoding="utf-8")
    return _ready(root, store_url, monkeypatch)


def _ready(root: Path, store_url: str, monkeypatch) -> Repo:
    """Enter the repository and create its sandbox bank, so that outputs carry no notice."""
    monkeypatch.chdir(root)
    repo = Repo(root, {"EFCTL_BACKEND": store_url, "EFCTL_TODAY": TODAY, "NO_COLOR": "1"})
    created = repo.efctl("sandbox", "init")
    assert created.exit_code == 0, created.output
    return repo

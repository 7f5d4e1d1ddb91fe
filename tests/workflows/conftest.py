"""A workspace as a workflow job sees it (a git checkout of a declarations repository, with this
repository's .github/), a fake GitHub behind a fake `gh`, and `efctl` from this checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from workflow_runner import run_job

from efctl.sandbox.store import open_store

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "fixtures"
REPOSITORY = "acme/bank-admin"
TODAY = "2026-11-20"
INSTALL = ".github/scripts/install-efctl.sh"
REPORTS = ".github/scripts/plan-reports.sh"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Dora Meier",
    "GIT_AUTHOR_EMAIL": "dora@example.ch",
    "GIT_COMMITTER_NAME": "Dora Meier",
    "GIT_COMMITTER_EMAIL": "dora@example.ch",
}


@pytest.fixture
def bin_dir(tmp_path) -> Path:
    return make_bin_dir(tmp_path)


def make_bin_dir(tmp_path: Path) -> Path:
    """`gh` (the fake) and `efctl` (this checkout's, whatever else is installed) for PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    shims = {
        "gh": f'exec "{sys.executable}" "{HERE / "fake_gh.py"}" "$@"',
        "efctl": f'PYTHONPATH="{ROOT}" exec "{sys.executable}" -c '
        "'from efctl.cli import main; main()' \"$@\"",
    }
    for name, command in shims.items():
        shim = folder / name
        shim.write_text(f"#!/bin/sh\n{command}\n", encoding="utf-8")
        shim.chmod(0o755)
    return folder


@dataclass
class FakeGitHub:
    """The state behind the fake `gh`: read it, change it, see every call made."""

    state_path: Path

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_path.read_text(encoding="utf-8"))

    def update(self, **values: Any) -> None:
        self.state_path.write_text(json.dumps({**self.state(), **values}), encoding="utf-8")

    def calls(self) -> list[tuple[str, str]]:
        return [(call["method"], call["endpoint"]) for call in self.state()["calls"]]

    def add_run(self, workflow: str, head: str, event: str, artifacts: dict[str, Path], **run):
        """A workflow run of HEAD that uploaded ARTIFACTS (name: the folder of its files)."""
        state = self.state()
        run_id = 9000 + len(state["runs"])
        self.update(
            runs=[
                *state["runs"],
                {
                    "databaseId": run_id,
                    "workflow": workflow,
                    "headSha": head,
                    "event": event,
                    "status": "completed",
                    "conclusion": "success",
                    "artifacts": {name: str(folder) for name, folder in artifacts.items()},
                    **run,
                },
            ]
        )
        return run_id

    def comments(self, number: int) -> list[dict]:
        return self.state()["comments"].get(str(number), [])


@pytest.fixture
def github(tmp_path) -> FakeGitHub:
    return make_github(tmp_path)


def make_github(tmp_path: Path) -> FakeGitHub:
    fake = FakeGitHub(tmp_path / "github.json")
    fake.state_path.write_text("{}", encoding="utf-8")
    fake.update(
        repo=REPOSITORY,
        page_size=2,
        next_id=1000,
        calls=[],
        commit_pulls={},
        pulls={},
        reviews={},
        comments={},
        issues={},
        labels={},
        runs=[],
        variables={},
    )
    return fake


@dataclass
class Workspace:
    root: Path
    backend: str
    bin_dir: Path

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **GIT_IDENTITY},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def declare(self, version: str, message: str) -> str:
        """Commit FIXTURES/VERSION as the declarations; the new commit's SHA."""
        shutil.rmtree(self.root / "clients", ignore_errors=True)
        shutil.copytree(FIXTURES / version, self.root / "clients")
        self.git("add", "-A", "clients")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def bank_users(self) -> list[str]:
        """The users the bank holds for the test relationship now."""
        store = open_store(self.backend, seed_dir=self.root / "bank", notify=lambda _: None)
        try:
            return sorted(user.id for user in store.read_client("10000001").users)
        finally:
            store.close()

    def env(self) -> dict[str, str]:
        """What efctl needs outside a workflow run: the bank, the date, no colour."""
        return {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ.get("HOME", str(self.root)),
            "EFCTL_BACKEND": self.backend,
            "EFCTL_TODAY": TODAY,
            "NO_COLOR": "1",
        }


@pytest.fixture
def workspace(tmp_path, bin_dir) -> Workspace:
    return make_workspace(tmp_path, bin_dir)


def make_workspace(tmp_path: Path, bin_dir: Path) -> Workspace:
    """A declarations repository on main (the base declarations), with this repo's .github/."""
    root = tmp_path / "workspace"
    root.mkdir()
    shutil.copytree(ROOT / ".github", root / ".github")
    shutil.copytree(FIXTURES / "bank", root / "bank")
    (root / "efctl.yaml").write_text("clients: clients\nseed: bank\n", encoding="utf-8")
    (root / ".gitignore").write_text("/out/\n/artifacts/\n/pr/\n", encoding="utf-8")
    space = Workspace(root, f"sqlite:///{tmp_path / 'bank.db'}", bin_dir)
    space.git("init", "-q", "-b", "main")
    space.git("add", "-A")
    space.git("commit", "-q", "-m", "efctl repository")
    space.declare("base", "declare what the bank holds")
    return space


@pytest.fixture
def job(workspace: Workspace, github: FakeGitHub):
    return job_runner(workspace, github)


def job_runner(workspace: Workspace, github: FakeGitHub):
    """Run a job of one of this repository's workflows in the workspace, as GitHub would.

    The install step is skipped: efctl is installed here already. So are the plan job's
    reports, unless ``reports`` (they cost two efctl runs, and only the tests of the reports
    look at them). Both bank secrets name the workspace's sandbox bank; ``env`` adds to the
    runner's environment.
    """

    def run(
        workflow: str,
        name: str,
        *,
        sha: str,
        event: dict | None = None,
        inputs: dict | None = None,
        reports: bool = False,
        env: dict[str, str] | None = None,
        **contexts: dict,
    ):
        """CONTEXTS: more expression contexts (matrix, strategy, needs, vars); a job's step
        outputs go to the file GITHUB_OUTPUT, at the workspace's side."""
        context = {
            "github": {
                "token": "ghs_fake",
                "sha": sha,
                "event": event or {},
                "repository": REPOSITORY,
            },
            "inputs": inputs or {},
            "secrets": {
                "EFCTL_BACKEND": workspace.backend,
                "EFCTL_BACKEND_READONLY": workspace.backend,
            },
            **contexts,
        }
        runner_env = {
            **workspace.env(),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_SHA": sha,
            "GITHUB_REF_NAME": "main",
            "GITHUB_WORKSPACE": str(workspace.root),
            "FAKE_GH_STATE": str(github.state_path),
            "APPLY_WAIT_SECONDS": "0",  # wait-turn.sh: poll without sleeping
            "GITHUB_OUTPUT": str(workspace.root.parent / "github-output"),
            **(env or {}),
        }
        del runner_env["EFCTL_BACKEND"]  # only what the workflow passes
        return run_job(
            workspace.root / ".github" / "workflows" / workflow,
            name,
            workspace=workspace.root,
            runner_env=runner_env,
            context=context,
            skip=frozenset({INSTALL} if reports else {INSTALL, REPORTS}),
        )

    return run

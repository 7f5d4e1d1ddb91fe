"""Run one job of a workflow file the way GitHub Actions runs it, for the tests.

Each `run:` step runs in bash (``bash --noprofile --norc -eo pipefail``, the runner's default)
in the workspace, with the environment the workflow gives it: the runner's variables, then the
workflow's, the job's and the step's `env:`, with `${{ }}` expressions resolved from a context
(``github``, ``secrets``). `uses:` steps are recorded with their resolved `with:`, not run: the
test has prepared the checkout and the Python. A step runs when no earlier step failed, or when
its `if:` says so; the few expressions the efctl workflows use are supported, others raise.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STATUS_CHECKS = {"!cancelled()", "always()", "success()", "failure()"}
STEP_TIMEOUT = 120  # seconds


@dataclass
class StepRun:
    name: str
    uses: str | None = None
    run: str | None = None
    with_: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    ran: bool = False  # the step's condition held, so GitHub would run it
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class JobRun:
    steps: list[StepRun]

    @property
    def ok(self) -> bool:
        return all(step.returncode == 0 for step in self.steps)

    def step(self, name: str) -> StepRun:
        return next(step for step in self.steps if step.name == name)


def load_workflow(path: Path) -> dict[str, Any]:
    """The workflow as data; YAML 1.1 reads the key `on` as True, so it is put back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def run_job(
    workflow: Path,
    job: str,
    *,
    workspace: Path,
    runner_env: Mapping[str, str],
    context: Mapping[str, Any],
    skip: frozenset[str] = frozenset(),
) -> JobRun:
    """Run JOB's steps in order; `run:` steps that call a script in SKIP are recorded, not run."""
    data = load_workflow(workflow)
    spec = data["jobs"][job]
    inherited = {**data.get("env", {}), **spec.get("env", {})}
    steps: list[StepRun] = []
    for index, raw in enumerate(spec["steps"]):
        step = StepRun(
            name=raw.get("name") or raw.get("uses") or f"step {index}",
            uses=raw.get("uses"),
            run=raw.get("run"),
            with_={k: _resolve(str(v), context) for k, v in raw.get("with", {}).items()},
            env={
                k: _resolve(str(v), context) for k, v in {**inherited, **raw.get("env", {})}.items()
            },
        )
        steps.append(step)
        if not _should_run(raw.get("if"), failed=any(s.returncode for s in steps)):
            continue
        step.ran = True  # as far as GitHub is concerned
        if step.uses or (step.run or "").split(" ", 1)[0] in skip:
            continue
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.run],
            cwd=workspace,
            env={**runner_env, **step.env},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        step.returncode = done.returncode
        step.stdout, step.stderr = done.stdout, done.stderr
    return JobRun(steps)


def _should_run(condition: str | None, failed: bool) -> bool:
    if condition is None:
        return not failed
    check = EXPRESSION.fullmatch(condition.strip())
    check = check.group(1) if check else condition.strip()
    if check not in STATUS_CHECKS:
        raise ValueError(f"the test runner does not evaluate if: {condition!r}")
    return {"!cancelled()": True, "always()": True, "success()": not failed}.get(check, failed)


def _resolve(text: str, context: Mapping[str, Any]) -> str:
    """`${{ a.b.c }}` looked up in CONTEXT; a missing value is '' as on GitHub."""

    def value(match: re.Match) -> str:
        path = match.group(1)
        if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*", path):
            raise ValueError(f"the test runner does not evaluate ${{{{ {path} }}}}")
        found: Any = context
        for key in path.split("."):
            found = found.get(key) if isinstance(found, Mapping) else None
        return "" if found is None else str(found)

    return EXPRESSION.sub(value, text)

"""Saved plans: written as the JSON contract, read back only when intact and schema-valid."""

from __future__ import annotations

import json
from pathlib import Path

from efctl.declarations.schema import load_schema, passes
from efctl.errors import EfctlError
from efctl.files import remove_file, write_file
from reconcile.plan import OLDER_FORMATS, Plan, plan_id_of


def write_plan(plan: Plan, path: Path) -> None:
    write_file(path, json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n")


def _schema_errors(schema: dict, plan: object) -> list:
    from jsonschema import Draft202012Validator  # only for a plan file that is not valid

    return sorted(Draft202012Validator(schema).iter_errors(plan), key=lambda e: e.json_path)


def read_plan(path: Path) -> Plan:
    """The plan in PATH; refused when unreadable, not a plan, or edited after it was made."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EfctlError(
            f"{path}: no such plan file", hint="make one with `efctl plan --out`"
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EfctlError(f"{path}: not a readable plan file: {exc}") from exc
    if isinstance(plan, dict) and plan.get("format_version") in OLDER_FORMATS:
        raise EfctlError(
            f"{path}: this plan was made by an older efctl "
            f"(plan format {plan['format_version']}); plan again"
        )
    schema = load_schema("plan")
    problems = [] if passes(schema, plan) else _schema_errors(schema, plan)
    if problems:
        first = problems[0]
        raise EfctlError(
            f"{path}: not a valid efctl plan: {first.json_path}: {first.message}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""),
            hint="plans are written by `efctl plan --out FILE`; do not edit them",
        )
    if plan_id_of(plan) != plan["plan_id"]:
        raise EfctlError(
            f"{path}: the plan was modified after it was made: its content no longer matches "
            f"its plan_id {plan['plan_id']}",
            hint="a reviewed plan is applied exactly as reviewed or not at all; make a new plan",
        )
    return Plan.from_json(plan)


def write_parts(parts: list[str], folder: Path) -> list[Path]:
    """Each markdown part as DIR/plan-N.md (N from 1), replacing parts of an earlier run."""
    for old in folder.glob("plan-*.md"):
        remove_file(old)
    written = []
    for number, part in enumerate(parts, start=1):
        path = folder / f"plan-{number}.md"
        write_file(path, part)
        written.append(path)
    return written

"""The result of an apply, per relationship, then one summary line."""

from __future__ import annotations

from collections import Counter

from efctl.render.plan_text import note_text
from reconcile.apply import Outcome
from reconcile.plan import Change

REPEAT = {Outcome.ALREADY_APPLIED, Outcome.NO_CHANGES}  # a run that changed nothing new


def apply_text(report: dict) -> str:
    """The apply report (ApplyReport.as_json), each manual step with its notes in words."""
    lines = [f"apply of plan {report['plan_id'][:19]}…"]
    width = max((len(r["outcome"]) for r in report["results"]), default=0)
    for result in report["results"]:
        lines.append(f"  {result['client']}  {result['outcome'].ljust(width)}  {result['detail']}")
        if result["eligible"]:
            lines.append(f"      eligible to approve: {', '.join(result['eligible'])}")
        for change in map(Change.from_json, result["manual"]):
            notes = "; ".join(note_text(note) for note in change.notes)
            lines.append(f"      manual: {change.address}: {notes}")
    counts = Counter(Outcome(r["outcome"]) for r in report["results"])
    lines.append(
        "Apply: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) + "."
    )
    if set(counts) <= REPEAT and counts[Outcome.ALREADY_APPLIED]:
        lines.append("Refused: this plan was applied before, and a plan is applied only once.")
    return "\n".join(lines) + "\n"

"""The result of an apply, per relationship, then one summary line."""

from __future__ import annotations

from collections import Counter


def apply_text(report: dict) -> str:
    lines = [f"apply of plan {report['plan_id'][:19]}…"]
    width = max((len(r["outcome"]) for r in report["results"]), default=0)
    for result in report["results"]:
        lines.append(f"  {result['client']}  {result['outcome'].ljust(width)}  {result['detail']}")
        if result["eligible"]:
            lines.append(f"      eligible to approve: {', '.join(result['eligible'])}")
        for change in result["manual"]:
            lines.append(f"      manual: {change['address']}: {'; '.join(change['notes'])}")
    counts = Counter(r["outcome"] for r in report["results"])
    lines.append(
        "Apply: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) + "."
    )
    if set(counts) <= {"already applied", "no changes"} and counts["already applied"]:
        lines.append("Refused: this plan was applied before, and a plan is applied only once.")
    return "\n".join(lines) + "\n"

"""The result of an apply, per relationship, then one summary line."""

from __future__ import annotations

from collections import Counter

from efctl.render.plan_text import note_text
from efctl.render.redact import mask
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
        lines.extend(f"      {key_line(key)}" for key in result.get("api_keys", ()))
    counts = Counter(Outcome(r["outcome"]) for r in report["results"])
    lines.append(
        "Apply: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) + "."
    )
    if set(counts) <= REPEAT and counts[Outcome.ALREADY_APPLIED]:
        lines.append("Refused: this plan was applied before, and a plan is applied only once.")
    return "\n".join(lines) + "\n"


def key_line(key: dict) -> str:
    """``API key erp: issued, sha256:…, expires 2029-02-10`` (never a secret: there is none)."""
    new = f", {key['fingerprint']}, expires {key['expires']}" if key.get("fingerprint") else ""
    failed = "" if key["ok"] else "failed: "
    return f"API key {key['name']} ({key['action']}): {failed}{key['detail']}{new}"


def apply_markdown(report: dict, forms: list[str], run_url: str | None) -> str:
    """The apply report as a pull-request comment: the outcome per relationship, who can give
    a missing approval (GitHub logins in a report annotated from reviews), the forms to sign.
    Details are masked: the comment is read by everyone who reads the repository."""
    lines = [f"### efctl applied plan `{report['plan_id'][:19]}…`", ""]
    lines += ["| relationship | outcome | detail |", "|---|---|---|"]
    lines += [
        f"| {r['client']} | {r['outcome']} | {mask(r['detail']).replace('|', '/')} |"
        for r in report["results"]
    ]
    keys = [(r["client"], k) for r in report["results"] for k in r.get("api_keys", ())]
    if keys:
        lines += ["", "**API keys** (each secret went to the secret sink only):"]
        lines += [f"- {client}: {mask(key_line(key))}" for client, key in keys]
    waiting = [r for r in report["results"] if r["outcome"] == Outcome.NEEDS_APPROVAL]
    if waiting:
        lines += [
            "",
            "**Approvals still missing** (approve the head commit, then run the apply again):",
        ]
        lines += [
            f"- {r['client']}: "
            + (", ".join(f"`{who}`" for who in r["eligible"]) or "nobody eligible")
            for r in waiting
        ]
    if forms:
        lines += ["", "**To sign and send to the bank** (in the run's `efctl-apply` artifact):"]
        lines += [f"- `{form}`" for form in forms]
    run = f"[this run]({run_url})" if run_url else "a run outside CI"
    lines += [
        "",
        f"Applied by {run}; the bank executed each relationship as one order or not at all.",
    ]
    return "\n".join(lines) + "\n"

"""Golden dual-control evidence: each folder under evidence/ is one pull request, judged.

A case holds ``pr.json`` (a pull_request event or the pull request object, as GitHub sends
them), ``reviews.json`` (GitHub's "List reviews for a pull request" answer), ``base/`` (the
declarations at the pull request's base) and ``admins.yaml`` (the bank's Admin rights per
relationship), and optionally ``commits.json`` (GitHub's "List commits on a pull request":
their authors and committers are makers), ``permissions.json`` (each reviewer's permission on
the repository; without it their author_association decides) and ``changes.json`` (per
relationship the plan's changes, whose raised rights their holders cannot check). Expected:
``verdict.json``, per relationship the evidence, the four-eyes verdict, the refusal line (the
eligible without those who cannot check) and every review that did not count there, with its
reason.

EFCTL_UPDATE_GOLDEN=1 rewrites the expectations; read every changed line before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from efctl.app.github import (
    declared_clients,
    read_commits,
    read_permissions,
    read_pull_request,
    read_reviews,
)
from reconcile.dualcontrol import Admin, judge, raised_rights
from reconcile.plan import Change
from reconcile.reviews import Makers, client_evidence, eligible_logins, refusal, standing_approvals

CASES = Path(__file__).parent / "evidence"
PLAN_ID = "sha256:" + "ab" * 32
UPDATE = bool(os.environ.get("EFCTL_UPDATE_GOLDEN"))


def judged(case: Path) -> dict:
    pull = read_pull_request(case / "pr.json")
    commits, permissions = case / "commits.json", case / "permissions.json"
    approvals = standing_approvals(
        read_reviews(case / "reviews.json"),
        pull.head,
        pull.author,
        access=read_permissions(permissions if permissions.exists() else None),
        makers=read_commits(commits) if commits.exists() else Makers(),
    )
    changes_file = case / "changes.json"
    changes = json.loads(changes_file.read_text("utf-8")) if changes_file.exists() else {}
    base = {f"base/{p.name}": p.read_bytes() for p in sorted((case / "base").iterdir())}
    declarations = declared_clients(base, pull.base)
    verdicts = {}
    bank = yaml.safe_load((case / "admins.yaml").read_text(encoding="utf-8"))
    for client, rights in bank.items():
        raised = raised_rights(Change.from_json(c) for c in changes.get(client, ()))
        found = client_evidence(PLAN_ID, pull, approvals, client, declarations.get(client), raised)
        admins = tuple(Admin(user, found.logins.get(user), right) for user, right in rights.items())
        verdict = judge(found.evidence, admins)
        eligible = eligible_logins(found.eligible(verdict.eligible), found.logins)
        verdicts[client] = {
            "author": found.evidence.author,
            "approvers": list(found.evidence.approvers),
            "satisfied": verdict.satisfied,
            "reason": verdict.reason,
            "refusal": None if verdict.satisfied else refusal(client, verdict.missing, eligible),
            "ignored": [ignored.to_json() for ignored in found.ignored],
        }
    return verdicts


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_evidence(case):
    expected = CASES / case / "verdict.json"
    actual = json.dumps(judged(CASES / case), indent=2, ensure_ascii=False) + "\n"
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: make it with EFCTL_UPDATE_GOLDEN=1"
    assert json.loads(actual) == json.loads(expected.read_text(encoding="utf-8"))

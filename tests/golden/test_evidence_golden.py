"""Golden dual-control evidence: each folder under evidence/ is one pull request, judged.

A case holds ``pr.json`` (a pull_request event or the pull request object, as GitHub sends
them), ``reviews.json`` (GitHub's "List reviews for a pull request" answer), ``base/`` (the
declarations at the pull request's base) and ``admins.yaml`` (the bank's Admin rights per
relationship). Expected: ``verdict.json``, per relationship the evidence, the four-eyes
verdict, the refusal line and every review that did not count there, with its reason.

EFCTL_UPDATE_GOLDEN=1 rewrites the expectations; read every changed line before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from efctl.app.github import declared_clients, read_pull_request, read_reviews
from reconcile.dualcontrol import Admin, judge
from reconcile.reviews import client_evidence, eligible_logins, refusal, standing_approvals

CASES = Path(__file__).parent / "evidence"
PLAN_ID = "sha256:" + "ab" * 32
UPDATE = bool(os.environ.get("EFCTL_UPDATE_GOLDEN"))


def judged(case: Path) -> dict:
    pull = read_pull_request(case / "pr.json")
    approvals = standing_approvals(read_reviews(case / "reviews.json"), pull.head, pull.author)
    base = {f"base/{p.name}": p.read_bytes() for p in sorted((case / "base").iterdir())}
    declarations = declared_clients(base, pull.base)
    verdicts = {}
    bank = yaml.safe_load((case / "admins.yaml").read_text(encoding="utf-8"))
    for client, rights in bank.items():
        found = client_evidence(PLAN_ID, pull, approvals, client, declarations.get(client))
        admins = tuple(Admin(user, found.logins.get(user), right) for user, right in rights.items())
        verdict = judge(found.evidence, admins)
        eligible = eligible_logins(verdict.eligible, found.logins)
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

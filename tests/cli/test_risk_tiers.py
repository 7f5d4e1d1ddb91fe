"""Risk tiers through the real CLI: the plan names the tier, apply keeps a tiered relationship
waiting until its extra reviewer has approved, and a broken tier policy is refused where it is
written. The examples' plan with the repository's own catalog (efctl.yaml ``catalog:``)."""

from __future__ import annotations

from importlib import resources

import pytest
from test_apply import (
    APPROVERS,
    AUTHOR,
    HOLDING,
    PLAN,
    apply,
    approve,
    audited,
    make_plan,
    signing_key,
    states,
)

pytestmark = pytest.mark.stores("sqlite", "postgresql")

DEFAULT = (resources.files("efctl") / "data" / "catalog.yaml").read_text(encoding="utf-8")
POLICY = """risk_tiers:
  - tier: 2
    extra_checkers: 1
    when:
      - {raise_to: sign_individual, contract_types: [account]}
"""
# Daniel Wyss captures on the CHF account; raised to individual signature, Holding is tier 2.
RAISE = "single: [{contract: CH4109000000478120556, profile: capture}]"
RAISED = "single: [{contract: CH4109000000478120556, profile: sign_individual}]"


def with_catalog(repo, policy: str) -> None:
    repo.write("catalog.yaml", DEFAULT.replace("risk_tiers: []\n", policy))
    repo.write("efctl.yaml", "clients: clients\nseed: bank\ncatalog: catalog.yaml\n")


def raise_daniel(repo) -> None:
    path = repo.root / "clients" / f"{HOLDING}.yaml"
    text = path.read_text(encoding="utf-8")
    assert RAISE in text
    path.write_text(text.replace(RAISE, RAISED), encoding="utf-8")


def test_a_tier_2_change_with_one_checker_stays_pending_and_executes_with_two(examples_repo):
    repo = examples_repo
    with_catalog(repo, POLICY)
    raise_daniel(repo)
    plan = make_plan(repo)

    shown = repo.efctl("show", PLAN)
    holding = shown.stdout.split(f"client {HOLDING} ")[1].split("\n\n")[0].splitlines()
    assert holding[-5:] == [
        "  approval: one individual admin or two collective admins, plus 2 reviewers who are not"
        " the author",
        "  risk tier 2, 2 reviewers who are not the author (1 more than the bank's rule), for:",
        "        raise to sign_individual on account: daniel.wyss: CH41 0900 0000 4781 2055 6"
        " (account)",
        "          capture -> sign_individual",
        "  eligible admins: regula.zuercher, thomas.baertschi",
    ]
    tiers = [c["approval"]["tier"] for c in plan["clients"]]
    assert tiers[0] == {
        "tier": 2,
        "checkers": 2,
        "reasons": [
            {
                "rule": "raise to sign_individual on account",
                "address": f"{HOLDING}/users/daniel.wyss/authorizations/CH4109000000478120556",
                "text": "daniel.wyss: CH4109000000478120556 (account) capture -> sign_individual",
            }
        ],
    }
    assert tiers[1:] == [None] * 4  # the other relationships' changes fall under no tier

    # One reviewer each: the untiered relationships need only the bank's rule; Holding waits.
    approve(repo, plan, *APPROVERS)
    before = states(repo)[HOLDING]
    first = apply(repo)
    assert (first.exit_code, first.stderr) == (1, "")
    assert first.stdout.splitlines()[1:3] == [
        f"  {HOLDING}  needs approval  needs 2 reviewers who are not the author for risk tier 2,"
        f" has 1 (approved by regula.zuercher; admins counted: {AUTHOR} (collective, author),"
        " regula.zuercher (collective))",
        # anyone who can check, admin or not; not daniel.wyss, whose own right it raises
        "      eligible to approve: claudia.steiner, hanspeter.imhof, martin.gisler,"
        " sandra.mueller",
    ]
    assert first.stdout.splitlines()[-1] == "Apply: 4 applied, 1 needs approval."
    assert states(repo)[HOLDING] == before
    assert HOLDING not in [entry[0] for entry in audited(repo)]

    # A second reviewer, not an admin (counted as the bank's rule counts one): now it executes.
    second = repo.efctl(
        "approve", PLAN, "--as", "martin.gisler", "--key", str(signing_key(repo, "martin.gisler"))
    )
    assert second.exit_code == 0, second.output
    again = apply(repo)
    assert (again.exit_code, again.stderr) == (0, ""), again.stdout
    assert again.stdout.splitlines()[1] == (
        f"  {HOLDING}  applied          order {HOLDING}-1 executed, serial 17 -> 18"
    )
    after = states(repo)[HOLDING]
    daniel = next(u for u in after.users if u.id == "daniel.wyss")
    assert daniel.authorizations["CH4109000000478120556"] == "sign_individual"
    assert audited(repo)[-1] == (
        HOLDING,
        plan["plan_id"],
        AUTHOR,
        ("regula.zuercher", "martin.gisler"),
    )


BROKEN = """risk_tiers:
  - tier: 2
    extra_checkers: 1
    when:
      - {raise_to: sign_individal, contract_types: [acount]}
      - {admin_right: 1}
  - tier: 3
    extra_checkers: 0
    when: []
    checkers: 2
"""


@pytest.mark.stores("sqlite")
def test_a_broken_tier_policy_is_refused_with_every_problem_located(examples_repo):
    repo = examples_repo
    with_catalog(repo, BROKEN)
    start = DEFAULT.index("risk_tiers: []")
    line = DEFAULT[:start].count("\n") + 1  # where the policy starts in catalog.yaml

    result = repo.efctl("validate")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "".join(
        [
            f"catalog.yaml:{line + 4}:20: error EF014: unknown profile 'sign_individal' in"
            " risk_tiers[0].when[0].raise_to\n",
            "    hint: allowed: sign_individual, sign_collective, capture, read\n",
            f"catalog.yaml:{line + 4}:53: error EF103: unknown contract type 'acount' in"
            " risk_tiers[0].when[0].contract_types\n",
            "    hint: allowed: account, deposit, ebill, cards, custody, billing_solutions,"
            " file_transfer\n",
            f"catalog.yaml:{line + 5}:23: error EF013: risk_tiers[0].when[1].admin_right must"
            " be true, not 1\n",
            "    hint: admin_right: true puts every such change in the tier\n",
            f"catalog.yaml:{line + 7}:21: error EF013: risk_tiers[1].extra_checkers must be 1 or"
            " more, not 0\n",
            f"catalog.yaml:{line + 8}:11: error EF013: risk_tiers[1].when lists no rule\n",
            "    hint: a list of rules: a tier: {tier: 2, extra_checkers: 1, when: [{raise_to:"
            " sign_individual}]}\n",
            f"catalog.yaml:{line + 9}:15: error EF010: unknown key 'checkers' in risk_tiers[1]\n",
            "    hint: allowed keys: tier, extra_checkers, when\n",
            "efctl: error: catalog.yaml: the risk tier policy has errors (listed above)\n",
            "    hint: compare with efctl/data/catalog.yaml, the default\n",
        ]
    )

"""Signed local approvals through the real CLI, with real `ssh-keygen` keys, on both engines.

thomas.baertschi makes a plan of two Bärtschi relationships; regula.zuercher (a second
collective admin of both) approves it with her SSH key, declared as her signing_key and held
by the bank: the key a signature verifies against is the bank's, never the plan's.
"""

from __future__ import annotations

import json
import subprocess

from signing import bank_holds, declare_key, enrol, keypair, private_material, public_line
from test_apply import (
    APPROVALS,
    HAUSTECHNIK,
    HOLDING,
    PLAN,
    apply,
    refused,
    report,
    states,
)

AUTHOR, REGULA = "thomas.baertschi", "regula.zuercher"
BOTH = ("--client", HOLDING, "--client", HAUSTECHNIK)
WHY_NOT = (
    "needs a reviewer who is not the author and one individual admin or a second collective admin"
)


ELIGIBLE = {HOLDING: REGULA, HAUSTECHNIK: f"luca.brunner, {REGULA}"}
NO_KEY = (
    "the bank holds no signing key for them (a declared signing_key counts once a plan has"
    " applied it)"
)


def keys(repo):
    return repo.root.parent / "keys"


def sign_up(repo, *users: str) -> None:
    enrol(repo, keys(repo), users)


def make_plan(repo, *args: str) -> dict:
    """A saved plan of the declarations as they are: the tests here enrol signers themselves."""
    made = repo.efctl("plan", "--out", PLAN, *args)
    assert made.exit_code == 0, made.output
    return json.loads((repo.root / PLAN).read_text(encoding="utf-8"))


def key_at_bank(repo, client: str, user: str) -> str | None:
    return next(u.signing_key for u in states(repo)[client].users if u.id == user)


def approve(repo, plan: dict, user: str, *args: str, signed_for=(HOLDING, HAUSTECHNIK)):
    key = keypair(keys(repo), user)
    result = repo.efctl("approve", PLAN, "--as", user, "--author", AUTHOR, "--key", str(key), *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"{user} approved plan {plan['plan_id'][:19]}…, signed for {', '.join(signed_for)}"
        f" ({APPROVALS})\n",
        "",
    )
    return result


def approvals(repo) -> dict:
    return json.loads((repo.root / APPROVALS).read_text(encoding="utf-8"))


def applied_both(plan: dict) -> str:
    return report(
        plan,
        f"  {HOLDING}  applied  order {HOLDING}-1 executed, serial 17 -> 18",
        f"  {HAUSTECHNIK}  applied  order {HAUSTECHNIK}-1 executed, serial 41 -> 42",
        "Apply: 2 applied.",
    )


def waiting(plan: dict, *why: tuple[str, str]) -> str:
    """The report of relationships that wait for regula, with why her approval did not count."""
    lines = []
    for client, reason in why:
        lines += [
            f"  {client}  needs approval  {WHY_NOT} (no approval from anyone but the author;"
            f" admins counted: {AUTHOR} (collective, author); {reason})",
            f"      eligible to approve: {ELIGIBLE[client]}",
        ]
    return report(plan, *lines, f"Apply: {len(why)} needs approval.")


def test_a_valid_signature_counts_and_no_private_key_is_written_or_shown(examples_repo):
    repo = examples_repo
    sign_up(repo, REGULA)
    plan = make_plan(repo, *BOTH)
    approved = approve(repo, plan, REGULA)

    result = apply(repo)

    assert (result.exit_code, result.stdout, result.stderr) == (0, applied_both(plan), "")
    (entry,) = approvals(repo)["approvals"]
    assert entry["clients"] == [HOLDING, HAUSTECHNIK]
    assert entry["signature"].startswith("-----BEGIN SSH SIGNATURE-----\n")
    secret = private_material(keypair(keys(repo), REGULA))
    written = (repo.root / APPROVALS).read_text(encoding="utf-8")
    for text in (written, approved.output, result.output):
        assert secret[:40] not in text and "PRIVATE KEY" not in text


def test_a_signature_with_another_key_than_the_declared_one_does_not_count(examples_repo):
    repo = examples_repo
    other = keypair(keys(repo), "other")  # the bank's key for her, not the one she signs with
    for declaration in (f"{HOLDING}.yaml", f"{HAUSTECHNIK}.yaml"):
        declare_key(repo.root / "clients" / declaration, REGULA, other)
    bank_holds(repo.env["EFCTL_BACKEND"], {REGULA: other})
    plan = make_plan(repo, *BOTH)
    approve(repo, plan, REGULA)

    result = apply(repo)

    why = f"signed with another key than the signing key the bank holds for {REGULA}"
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        waiting(
            plan,
            (HOLDING, f"{REGULA}'s signature does not verify for {HOLDING} ({why})"),
            (HAUSTECHNIK, f"{REGULA}'s signature does not verify for {HAUSTECHNIK} ({why})"),
        ),
        "",
    )


def test_approvals_moved_to_another_plan_by_editing_the_plan_id_do_not_count(examples_repo):
    repo = examples_repo
    sign_up(repo, REGULA)
    first = make_plan(repo, *BOTH)
    approve(repo, first, REGULA)
    signed = approvals(repo)
    (repo.root / PLAN).rename(repo.root / "first.json")
    (repo.root / APPROVALS).unlink()
    second = make_plan(repo, "--client", HOLDING)
    assert second["plan_id"] != first["plan_id"]
    signed["plan_id"] = second["plan_id"]
    (repo.root / APPROVALS).write_text(json.dumps(signed), encoding="utf-8")

    result = apply(repo)

    why = "the signature is not of this plan id, these relationships and this user"
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        waiting(
            second,
            (HOLDING, f"{REGULA}'s signature does not verify for {HOLDING} ({why})"),
        ),
        "",
    )


def test_a_signature_counts_only_for_the_relationships_it_names(examples_repo):
    repo = examples_repo
    sign_up(repo, REGULA)
    plan = make_plan(repo, *BOTH)
    approve(repo, plan, REGULA)
    recorded = approvals(repo)
    # a genuine signature of the plan by regula, but for the holding only
    message = f"efctl-approval-v1\nplan {plan['plan_id']}\nclients {HOLDING}\nuser {REGULA}\n"
    signature = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", "efctl-approval", "-f", str(keys(repo) / REGULA)],
        input=message.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    recorded["approvals"][0] |= {"clients": [HOLDING], "signature": signature}
    (repo.root / APPROVALS).write_text(json.dumps(recorded), encoding="utf-8")

    result = apply(repo)

    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        report(
            plan,
            f"  {HOLDING}  applied         order {HOLDING}-1 executed, serial 17 -> 18",
            f"  {HAUSTECHNIK}  needs approval  {WHY_NOT} (no approval from anyone but the author;"
            f" admins counted: {AUTHOR} (collective, author);"
            f" {REGULA}'s signature is not for {HAUSTECHNIK} (it covers {HOLDING}))",
            f"      eligible to approve: {ELIGIBLE[HAUSTECHNIK]}",
            "Apply: 1 applied, 1 needs approval.",
        ),
        "",
    )


def test_a_signature_without_a_key_at_the_bank_does_not_count(examples_repo):
    repo = examples_repo
    plan = make_plan(repo, *BOTH)  # no signing key for anyone
    approve(repo, plan, REGULA)

    result = apply(repo)

    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        waiting(
            plan,
            *(
                (
                    client,
                    f"{REGULA}'s signature does not count for {client}: {NO_KEY}",
                )
                for client in (HOLDING, HAUSTECHNIK)
            ),
        ),
        "",
    )


def test_the_key_can_come_from_efctl_signing_key(examples_repo):
    repo = examples_repo
    sign_up(repo, REGULA)
    plan = make_plan(repo, *BOTH)
    repo.env["EFCTL_SIGNING_KEY"] = str(keypair(keys(repo), REGULA))

    result = repo.efctl("approve", PLAN, "--as", REGULA, "--author", AUTHOR)

    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"{REGULA} approved plan {plan['plan_id'][:19]}…, signed for {HOLDING}, {HAUSTECHNIK}"
        f" ({APPROVALS})\n",
        "",
    )
    assert apply(repo).stdout == applied_both(plan)


def test_an_approval_without_a_key_is_refused_with_a_hint(examples_repo):
    repo = examples_repo
    make_plan(repo, *BOTH)

    result = repo.efctl("approve", PLAN, "--as", REGULA, "--author", AUTHOR)

    refused(
        result,
        "an approval is signed with your SSH key: no key given",
        "--key ~/.ssh/id_ed25519 (or set EFCTL_SIGNING_KEY); on the local sandbox, "
        "--unsigned records an unsigned approval",
    )


def test_unsigned_approvals_count_on_the_local_sandbox_only(examples_repo):
    repo = examples_repo
    plan = make_plan(repo, *BOTH)
    unsigned = ("approve", PLAN, "--as", REGULA, "--author", AUTHOR, "--unsigned")
    local = repo.env["EFCTL_BACKEND"].startswith("sqlite:///")
    refusal = (
        f"unsigned approvals ({REGULA}) count on the local sandbox (sqlite:///) only,"
        " not at this bank",
        "sign the approval with your SSH key: efctl approve PLANFILE --as USER --key KEY,"
        " with the key's public line declared as the user's signing_key and applied by an"
        " earlier plan",
    )

    approved = repo.efctl(*unsigned)

    if not local:
        refused(approved, *refusal)
        # an approvals file of the format before signatures is refused by apply too
        old = {"format_version": "1", "plan_id": plan["plan_id"], "author": AUTHOR}
        old["approvals"] = [{"user": REGULA, "at": "2026-11-28T09:30:00+00:00"}]
        (repo.root / APPROVALS).write_text(json.dumps(old), encoding="utf-8")
        refused(apply(repo), *refusal)
        return
    assert (approved.exit_code, approved.stdout, approved.stderr) == (
        0,
        f"{REGULA} approved plan {plan['plan_id'][:19]}…, unsigned ({APPROVALS})\n",
        "",
    )
    result = apply(repo)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == applied_both(plan) + (
        f"Approved without a signature, counted on the local sandbox only: {REGULA} (unsigned).\n"
    )


def test_a_private_key_declared_as_signing_key_is_refused(examples_repo):
    repo = examples_repo
    declaration = repo.root / "clients" / f"{HOLDING}.yaml"
    text = declaration.read_text(encoding="utf-8")
    key = keypair(keys(repo), REGULA)
    assert public_line(key).startswith("ssh-ed25519 AAAA")
    declaration.write_text(
        text.replace(
            f"\n  - id: {REGULA}\n",
            f'\n  - id: {REGULA}\n    signing_key: "-----BEGIN OPENSSH PRIVATE KEY-----"\n',
        ),
        encoding="utf-8",
    )

    result = repo.efctl("validate", "--offline")

    assert result.exit_code == 1
    assert (
        'A signing key is the public key line of a .pub file: "ssh-ed25519 AAAA… comment"'
        " (never the private key)." in result.output
    )


# --- the key comes from the bank: a plan cannot bring the key that approves it ------------


def test_an_author_who_declares_their_own_key_as_another_admins_cannot_approve_with_it(
    examples_repo,
):
    repo = examples_repo
    own = keypair(keys(repo), AUTHOR)
    for declaration in (f"{HOLDING}.yaml", f"{HAUSTECHNIK}.yaml"):
        declare_key(repo.root / "clients" / declaration, REGULA, own)
    plan = make_plan(repo, *BOTH)
    key_changes = [
        c for client in plan["clients"] for c in client["changes"]
        if c["resource"] == "signing_key"
    ]  # fmt: skip
    assert [(c["address"], c["action"]) for c in key_changes] == [
        (f"{HOLDING}/users/{REGULA}/signing_key", "create"),
        (f"{HAUSTECHNIK}/users/{REGULA}/signing_key", "create"),
    ]
    forged = repo.efctl(
        "approve", PLAN, "--as", REGULA, "--author", AUTHOR, "--key", str(own)
    )  # the author signs as regula with the key the plan declares for her
    assert forged.exit_code == 0, forged.output

    result = apply(repo)

    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        waiting(
            plan,
            *(
                (client, f"{REGULA}'s signature does not count for {client}: {NO_KEY}")
                for client in (HOLDING, HAUSTECHNIK)
            ),
        ),
        "",
    )
    assert [key_at_bank(repo, client, REGULA) for client in BOTH[1::2]] == [None, None]


def test_replacing_an_admins_key_in_the_plan_does_not_let_the_new_key_approve_it(examples_repo):
    repo = examples_repo
    sign_up(repo, REGULA)  # the bank holds her real key
    own = keypair(keys(repo), AUTHOR)
    declare_key(repo.root / "clients" / f"{HOLDING}.yaml", REGULA, own)
    plan = make_plan(repo, "--client", HOLDING)
    (change,) = [c for c in plan["clients"][0]["changes"] if c["resource"] == "signing_key"]
    assert (change["action"], change["before"], change["after"]) == (
        "update",
        {"public_key": public_line(keypair(keys(repo), REGULA))},
        {"public_key": public_line(own)},
    )
    forged = repo.efctl("approve", PLAN, "--as", REGULA, "--author", AUTHOR, "--key", str(own))
    assert forged.exit_code == 0, forged.output

    result = apply(repo)

    why = f"signed with another key than the signing key the bank holds for {REGULA}"
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        waiting(plan, (HOLDING, f"{REGULA}'s signature does not verify for {HOLDING} ({why})")),
        "",
    )


def test_a_declared_key_is_planned_with_its_fingerprint_and_applied_by_another_admin(
    examples_repo,
):
    """On the local sandbox, where unsigned approvals count: the key arrives by a plan, which
    its holder cannot check (a new key raises her: whoever holds it signs as her)."""
    repo = examples_repo
    key = keypair(keys(repo), REGULA)
    declare_key(repo.root / "clients" / f"{HAUSTECHNIK}.yaml", REGULA, key)
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, text=True, check=True
    ).stdout.split()[1]

    shown = repo.efctl("plan", "--client", HAUSTECHNIK)
    first = make_plan(repo, "--client", HAUSTECHNIK)
    for user, author in ((REGULA, ("--author", AUTHOR)), ("luca.brunner", ())):
        approved = repo.efctl("approve", PLAN, "--as", user, *author, "--unsigned")
        assert approved.exit_code == 0, approved.output
        if user == REGULA:
            own = apply(repo)
            assert own.exit_code == 1
            assert (
                f"{REGULA} is no checker where the change raises their own rights (a new signing"
                " key): a checker must be beyond any peer" in own.stdout
            )
    assert apply(repo).exit_code == 0

    (line,) = [line for line in shown.stdout.splitlines() if "signing key" in line]
    assert line.split() == ["+", "signing", "key", fingerprint, "(ssh-ed25519)"]
    assert key_at_bank(repo, HAUSTECHNIK, REGULA) == public_line(key)
    again = make_plan(repo, "--client", HAUSTECHNIK)
    assert again["plan_id"] != first["plan_id"]
    assert not [c for c in again["clients"][0]["changes"] if c["resource"] == "signing_key"]

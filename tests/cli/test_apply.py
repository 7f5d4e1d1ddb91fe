"""plan -> approve -> apply through the real CLI on the sandbox bank, on SQLite and PostgreSQL.

Every test starts from the examples (five relationships, each with one small change) and reads
the bank through the store before and after: what an apply changed, and what it left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from signing import enrol, keypair

from efctl.catalog import load_catalog
from efctl.declarations.pipeline import validate
from efctl.sandbox import Store, open_store
from reconcile.backend import Order
from reconcile.model import ClientState, UserState
from reconcile.plan import Action, Change, Resource
from reconcile.resolve import resolve_client

# Both engines: apply writes to the bank.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

HOLDING, HAUSTECHNIK, IMMOBILIEN, REZZONICO, ROCHAT = (
    "20145837",
    "20145845",
    "20145853",
    "30518764",
    "40227319",
)
CLIENTS = (HOLDING, HAUSTECHNIK, IMMOBILIEN, REZZONICO, ROCHAT)
PLAN, APPROVALS = "plan.json", "plan.approvals.json"

# thomas.baertschi (collective admin of the three Bärtschi relationships) makes the plan; a
# second collective admin approves those, the individual admin of Rezzonico and both collective
# admins of Rochat & Dufour approve theirs. thomas is no user of the last two: there the bank
# knows him only by his GitHub login, and he never counts as their admin.
AUTHOR = "thomas.baertschi"
APPROVERS = ("regula.zuercher", "giorgio.rezzonico", "frederic.rochat", "gisele.dufour")

NOEMI = UserState(
    id="noemi.frei",
    name="Noémi Frei",
    email="noemi.frei@baertschi-gruppe.example.ch",
    language="de",
    github=None,
    admin="none",
    authorizations={
        "CH1909000000478120564": "capture",
        "CH4109000000478120556": "capture",
        "CH9409000000478120572": "read",
        "DP-20145837-1": "read",
        "EB-20145837-1": "capture",
    },
)


def _with_user(state: ClientState, user_id: str, change: Callable[[UserState], UserState | None]):
    users = {u.id: u for u in state.users}
    changed = change(users.get(user_id))
    if changed is None:
        del users[user_id]
    else:
        users[user_id] = changed
    return replace(state, users=tuple(users[k] for k in sorted(users)))


def _with_right(user: UserState, contract: str, profile: str) -> UserState:
    return replace(user, authorizations={**user.authorizations, contract: profile})


def _with_iso(state: ClientState, delivery: str, version: str) -> ClientState:
    return replace(
        state,
        deliveries=tuple(
            replace(d, iso_version=version) if d.id == delivery else d for d in state.deliveries
        ),
    )


# What the examples' plan does to each relationship as seeded (besides the serial).
PLANNED: dict[str, Callable[[ClientState], ClientState]] = {
    HOLDING: lambda s: _with_user(s, "noemi.frei", lambda _: NOEMI),
    HAUSTECHNIK: lambda s: _with_user(s, "rolf.hasler", lambda _: None),
    IMMOBILIEN: lambda s: _with_user(
        s, "kevin.meier", lambda u: _with_right(u, "CH6009000000478123318", "read")
    ),
    REZZONICO: lambda s: _with_user(
        s,
        "loredana.cattaneo",
        lambda u: replace(u, email="loredana.cattaneo@rezzonico.example.ch"),
    ),
    ROCHAT: lambda s: _with_iso(s, "D-502", "2019"),
}


def applied(state: ClientState) -> ClientState:
    """STATE after an order of the examples' plan: its changes, one serial on."""
    return replace(PLANNED[state.id](state), serial=state.serial + 1)


# --- the bank, read through the store -------------------------------------------------------


@contextmanager
def bank(repo) -> Iterator[Store]:
    with open_store(repo.env["EFCTL_BACKEND"]) as store:
        yield store


def states(repo) -> dict[str, ClientState]:
    with bank(repo) as store:
        return {client: store.read_client(client) for client in CLIENTS}


def audited(repo) -> list[tuple[str, str | None, str, tuple[str, ...]]]:
    """(relationship, plan id, maker, checkers) of each audit entry, oldest first."""
    with bank(repo) as store:
        return [(e.client, e.plan_id, e.maker, e.checkers) for e in store.audit_entries()]


def store_url(repo) -> str:
    with bank(repo) as store:
        return store.url


def declared(repo, state: ClientState) -> tuple[dict, dict]:
    """(users, deliveries) as the declaration of STATE's relationship resolves at this bank."""
    validation = validate(
        [repo.root / "clients"], catalog=load_catalog(), bank=None, today=date(2026, 11, 28)
    )
    spec = validation.client(state.id).spec
    resolution = resolve_client(spec, state.contracts, load_catalog())
    users = {
        u.id: (
            u.name,
            u.email,
            u.language or spec.language,
            u.github,
            u.admin,
            resolution.users[u.id].profiles(),
        )
        for u in spec.users
    }
    overrides = {o.delivery: o.iso_version for o in spec.deliveries.overrides}
    deliveries = {  # PDF kinds have no ISO version; the others: override, default, as they are
        d.id: d.iso_version and overrides.get(d.id, spec.deliveries.iso_version or d.iso_version)
        for d in state.deliveries
    }
    return users, deliveries


def held(state: ClientState) -> tuple[dict, dict]:
    """(users, deliveries) of STATE in the shape of :func:`declared`."""
    users = {
        u.id: (u.name, u.email, u.language, u.github, u.admin, dict(u.authorizations))
        for u in state.users
    }
    return users, {d.id: d.iso_version for d in state.deliveries}


# --- the commands ---------------------------------------------------------------------------


# Who approves in these tests: their SSH keys are declared as their signing_key and held by
# the bank before a plan.
SIGNERS = (*APPROVERS, "martin.gisler")


def signing_key(repo, user: str):
    return keypair(repo.root.parent / "keys", user)


def make_plan(repo, *args: str) -> dict:
    enrol(repo, repo.root.parent / "keys", SIGNERS)
    result = repo.efctl("plan", "--out", PLAN, *args)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Saved the plan to {PLAN}; apply it with: efctl apply {PLAN} --approvals FILE\n"
    )
    return json.loads((repo.root / PLAN).read_text(encoding="utf-8"))


def inputs_digest_now(repo) -> str:
    result = repo.efctl("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["source"]["inputs_digest"]


def approve(repo, plan: dict, *approvers: str, author: str = AUTHOR) -> None:
    """Record the signed approvals, the first one naming the author."""
    now = states(repo)
    for number, user in enumerate(approvers):
        first = ("--author", author) if number == 0 else ()
        key = ("--key", str(signing_key(repo, user)))
        result = repo.efctl("approve", PLAN, "--as", user, *first, *key)
        signed_for = [
            c["client"]
            for c in plan["clients"]
            if any(u.id == user for u in now[c["client"]].users)
        ]
        assert (result.exit_code, result.stdout, result.stderr) == (
            0,
            f"{user} approved plan {plan['plan_id'][:19]}…, signed for {', '.join(signed_for)}"
            f" ({APPROVALS})\n",
            "",
        )


def apply(repo, *args: str):
    return repo.efctl("apply", PLAN, "--approvals", APPROVALS, *args)


def report(plan: dict, *lines: str) -> str:
    return "\n".join([f"apply of plan {plan['plan_id'][:19]}…", *lines]) + "\n"


def refused(result, message: str, hint: str | None = None) -> None:
    expected = f"efctl: error: {message}\n" + (f"    hint: {hint}\n" if hint else "")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)


# --- injected failures: a real trigger that refuses one authorization insert -----------------


def refuse_rights_on(repo, contract: str) -> None:
    with bank(repo) as store:
        if store.database.dialect.name == "sqlite":
            store.database.execute(
                f"""CREATE TRIGGER refuse_one BEFORE INSERT ON authorizations
                WHEN NEW.contract_id = '{contract}'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END"""
            )
            return
        store.database.execute(
            f"""CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.contract_id = '{contract}' THEN RAISE EXCEPTION 'injected failure'; END IF;
                RETURN NEW;
            END $$"""
        )
        store.database.execute(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON authorizations"
            " FOR EACH ROW EXECUTE FUNCTION refuse_one()"
        )


def allow_rights_again(repo) -> None:
    with bank(repo) as store:
        if store.database.dialect.name == "sqlite":
            store.database.execute("DROP TRIGGER refuse_one")
        else:
            store.database.execute("DROP TRIGGER refuse_one ON authorizations")
            store.database.execute("DROP FUNCTION refuse_one()")


def injected_failure(repo) -> str:
    """The report detail of the order of HOLDING that the trigger on EB-20145837-1 stops."""
    return (
        f"the sandbox bank at {store_url(repo)} failed: injected failure (at change 6"
        f" ({HOLDING}/users/noemi.frei/authorizations/EB-20145837-1) of the order for"
        f" relationship {HOLDING}; nothing of the order was executed)"
    )


# --- 1. the happy path ----------------------------------------------------------------------


def test_a_reviewed_plan_is_applied_and_the_bank_then_matches_the_declarations(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    before = states(repo)
    approve(repo, plan, *APPROVERS)

    result = apply(repo)

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == report(
        plan,
        f"  {HOLDING}  applied  order {HOLDING}-1 executed, serial 17 -> 18",
        f"  {HAUSTECHNIK}  applied  order {HAUSTECHNIK}-1 executed, serial 41 -> 42",
        f"  {IMMOBILIEN}  applied  order {IMMOBILIEN}-2 executed, serial 23 -> 24",
        f"  {REZZONICO}  applied  order {REZZONICO}-1 executed, serial 8 -> 9",
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13",
        "Apply: 5 applied.",
    )
    after = states(repo)
    assert after == {client: applied(state) for client, state in before.items()}
    for state in after.values():
        assert held(state) == declared(repo, state)
    assert audited(repo) == [
        (HOLDING, plan["plan_id"], AUTHOR, ("regula.zuercher",)),
        (HAUSTECHNIK, plan["plan_id"], AUTHOR, ("regula.zuercher",)),
        (IMMOBILIEN, plan["plan_id"], AUTHOR, ("regula.zuercher",)),
        (REZZONICO, plan["plan_id"], "github:tbaertschi", ("giorgio.rezzonico",)),
        (ROCHAT, plan["plan_id"], "github:tbaertschi", ("frederic.rochat", "gisele.dufour")),
    ]
    with bank(repo) as store:
        assert [e.commit for e in store.audit_entries()] == [plan["source"]["commit"]] * 5

    again = repo.efctl("plan", "--detailed-exitcode")
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout.splitlines()[-1] == "No changes. The bank matches the declarations."


def test_apply_reports_as_json(examples_repo):
    repo = examples_repo
    plan = make_plan(repo, "--client", ROCHAT)
    approve(repo, plan, "frederic.rochat", "gisele.dufour", author="marc-andre.jaquet")

    result = apply(repo, "--format", "json")

    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "plan_id": plan["plan_id"],
        "results": [
            {
                "client": ROCHAT,
                "outcome": "applied",
                "detail": f"order {ROCHAT}-1 executed, serial 12 -> 13",
                "order": f"{ROCHAT}-1",
                "eligible": [],
                "manual": [],
            }
        ],
    }


# --- 2. and 3. what changed since the plan --------------------------------------------------


def test_a_relationship_changed_at_the_bank_is_refused_as_stale_the_others_are_applied(
    examples_repo,
):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    web_order = Order(
        client=IMMOBILIEN,
        base_serial=23,
        plan_id=None,
        commit=None,
        maker="thomas.baertschi",
        checkers=("regula.zuercher",),
        changes=(
            Change(
                f"{IMMOBILIEN}/users/corinne.vogt/authorizations/EB-20145853-1",
                Action.UPDATE,
                Resource.AUTHORIZATION,
                {"profile": "sign_individual"},
                {"profile": "capture"},
            ),
        ),
    )
    with bank(repo) as store:
        assert store.submit_order(web_order).serial == 24
    before = states(repo)

    result = apply(repo)

    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == report(
        plan,
        f"  {HOLDING}  applied  order {HOLDING}-1 executed, serial 17 -> 18",
        f"  {HAUSTECHNIK}  applied  order {HAUSTECHNIK}-1 executed, serial 41 -> 42",
        f"  {IMMOBILIEN}  stale    the bank moved from serial 23 (planned) to serial 24 (now):"
        " someone changed it since the plan was made",
        f"  {REZZONICO}  applied  order {REZZONICO}-1 executed, serial 8 -> 9",
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13",
        "Apply: 4 applied, 1 stale.",
    )
    after = states(repo)
    assert after[IMMOBILIEN] == before[IMMOBILIEN]
    assert {c: s for c, s in after.items() if c != IMMOBILIEN} == {
        c: applied(s) for c, s in before.items() if c != IMMOBILIEN
    }
    assert [(client, plan_id) for client, plan_id, *_ in audited(repo)] == [
        (IMMOBILIEN, None),
        (HOLDING, plan["plan_id"]),
        (HAUSTECHNIK, plan["plan_id"]),
        (REZZONICO, plan["plan_id"]),
        (ROCHAT, plan["plan_id"]),
    ]


def test_declarations_edited_after_the_plan_refuse_the_whole_apply(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    declaration = repo.root / "clients" / f"{ROCHAT}.yaml"
    declaration.write_text(
        declaration.read_text(encoding="utf-8").replace("Hélène Perret", "Hélène Perret-Rochat"),
        encoding="utf-8",
    )
    now = inputs_digest_now(repo)
    before = states(repo)

    result = apply(repo)

    refused(
        result,
        "the declarations changed since the plan was made (inputs digest"
        f" {plan['source']['inputs_digest'][:19]}… planned, {now[:19]}… now); nothing was applied",
        "make a new plan from the current declarations and have it reviewed",
    )
    assert states(repo) == before
    assert audited(repo) == []


# --- 4. and 5. the plan file and the approvals -----------------------------------------------


def test_a_plan_edited_after_it_was_made_is_refused(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    tampered = json.loads((repo.root / PLAN).read_text(encoding="utf-8"))
    change = tampered["clients"][2]["changes"][0]
    assert (
        change["address"] == f"{IMMOBILIEN}/users/kevin.meier/authorizations/CH6009000000478123318"
    )
    change["after"] = {"profile": "sign_collective"}  # instead of read
    (repo.root / PLAN).write_text(json.dumps(tampered, indent=2), encoding="utf-8")
    before = states(repo)

    result = apply(repo)

    refused(
        result,
        f"{PLAN}: the plan was modified after it was made: its content no longer matches its"
        f" plan_id {plan['plan_id']}",
        "a reviewed plan is applied exactly as reviewed or not at all; make a new plan",
    )
    assert states(repo) == before
    assert audited(repo) == []


def test_approvals_of_another_plan_are_refused(examples_repo):
    repo = examples_repo
    reviewed = make_plan(repo, "--client", ROCHAT)
    approve(repo, reviewed, "frederic.rochat", "gisele.dufour", author="marc-andre.jaquet")
    other = make_plan(repo, "--client", ROCHAT, "--client", REZZONICO)
    before = states(repo)

    for result in (apply(repo), repo.efctl("approve", PLAN, "--as", "giorgio.rezzonico")):
        refused(
            result,
            f"{APPROVALS}: these approvals are for plan {reviewed['plan_id']}, not"
            f" {other['plan_id']}",
            "approvals count only for the exact plan reviewed; approve this plan",
        )
    assert states(repo) == before
    assert audited(repo) == []


def test_approve_refuses_the_author_a_second_approval_and_strangers(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)

    refused(
        repo.efctl("approve", PLAN, "--as", "regula.zuercher"),
        "the first approval of a plan names its author (the maker)",
        f"efctl approve {PLAN} --as regula.zuercher --author MAKER",
    )
    refused(
        repo.efctl("approve", PLAN, "--as", AUTHOR, "--author", AUTHOR),
        f"{AUTHOR} made this plan and cannot approve it: four eyes need a second person",
    )
    refused(
        repo.efctl("approve", PLAN, "--as", "regula.zuercher", "--author", "zoe.weber"),
        f"zoe.weber is no user of any relationship in this plan ({', '.join(CLIENTS)})",
        "--author is the e-finance user id of who made the plan",
    )
    assert not (repo.root / APPROVALS).exists()

    approve(repo, plan, "regula.zuercher")
    recorded = (repo.root / APPROVALS).read_text(encoding="utf-8")
    refused(
        repo.efctl("approve", PLAN, "--as", AUTHOR),
        f"{AUTHOR} made this plan and cannot approve it: four eyes need a second person",
    )
    refused(
        repo.efctl("approve", PLAN, "--as", "regula.zuercher"),
        f"regula.zuercher has already approved plan {plan['plan_id']}",
    )
    refused(
        repo.efctl("approve", PLAN, "--as", "giorgio.rezzonico", "--author", "regula.zuercher"),
        f"{APPROVALS}: the plan's author is recorded as {AUTHOR}, not regula.zuercher",
    )
    refused(
        repo.efctl("approve", PLAN, "--as", "zoe.weber"),
        f"zoe.weber is no user of any relationship in this plan ({', '.join(CLIENTS)})",
        "approvers are e-finance user ids of the relationships they approve",
    )
    assert (repo.root / APPROVALS).read_text(encoding="utf-8") == recorded
    approvals = json.loads(recorded)
    assert [a["user"] for a in approvals["approvals"]] == ["regula.zuercher"]
    assert (approvals["plan_id"], approvals["author"]) == (plan["plan_id"], AUTHOR)


# --- 6. missing approvals -------------------------------------------------------------------


def test_relationships_without_enough_approvals_wait_and_say_who_can_give_them(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, "martin.gisler", "frederic.rochat")
    before = states(repo)

    result = apply(repo)

    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == report(
        plan,
        f"  {HOLDING}  needs approval  needs one individual admin or a second collective admin"
        f" (approved by martin.gisler; admins counted: {AUTHOR} (collective, author))",
        "      eligible to approve: regula.zuercher",
        f"  {HAUSTECHNIK}  needs approval  needs a reviewer who is not the author and one"
        " individual admin or a second collective admin (approved only by martin.gisler,"
        " frederic.rochat, who are no users of this relationship; admins counted:"
        f" {AUTHOR} (collective, author))",
        "      eligible to approve: luca.brunner, regula.zuercher",
        f"  {IMMOBILIEN}  needs approval  needs one individual admin or a second collective"
        f" admin (approved by martin.gisler; admins counted: {AUTHOR} (collective, author))",
        "      eligible to approve: corinne.vogt, regula.zuercher",
        f"  {REZZONICO}  needs approval  needs a reviewer who is not the author and one"
        " individual admin or two collective admins (approved only by martin.gisler,"
        " frederic.rochat, who are no users of this relationship; no admin among the author"
        " and the approvers)",
        "      eligible to approve: giorgio.rezzonico",
        f"  {ROCHAT}  needs approval  needs one individual admin or a second collective admin"
        " (approved by frederic.rochat; admins counted: frederic.rochat (collective))",
        "      eligible to approve: gisele.dufour",
        "Apply: 5 needs approval.",
    )
    assert states(repo) == before
    assert audited(repo) == []


# --- 7. atomicity, 8. a second apply, 9. resuming -------------------------------------------


def test_a_failure_inside_one_order_leaves_that_relationship_exactly_as_before(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    refuse_rights_on(repo, "EB-20145837-1")
    before = states(repo)

    result = apply(repo)

    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == report(
        plan,
        f"  {HOLDING}  failed   {injected_failure(repo)}",
        f"  {HAUSTECHNIK}  applied  order {HAUSTECHNIK}-1 executed, serial 41 -> 42",
        f"  {IMMOBILIEN}  applied  order {IMMOBILIEN}-2 executed, serial 23 -> 24",
        f"  {REZZONICO}  applied  order {REZZONICO}-1 executed, serial 8 -> 9",
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13",
        "Apply: 4 applied, 1 failed.",
    )
    after = states(repo)
    assert after[HOLDING] == before[HOLDING]
    assert {c: s for c, s in after.items() if c != HOLDING} == {
        c: applied(s) for c, s in before.items() if c != HOLDING
    }
    assert [client for client, *_ in audited(repo)] == [HAUSTECHNIK, IMMOBILIEN, REZZONICO, ROCHAT]
    with bank(repo) as store:
        assert store.applied_plan(HOLDING, plan["plan_id"]) is None


def test_a_second_apply_of_the_same_plan_changes_nothing_and_fails(examples_repo):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, *APPROVERS)
    assert apply(repo).exit_code == 0
    before, trail = states(repo), audited(repo)

    result = apply(repo)

    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == report(
        plan,
        *(
            f"  {client}  already applied  order {client}-{2 if client == IMMOBILIEN else 1}"
            " executed this plan"
            for client in CLIENTS
        ),
        "Apply: 5 already applied.",
        "Refused: this plan was applied before, and a plan is applied only once.",
    )
    assert states(repo) == before
    assert audited(repo) == trail


def test_an_apply_that_failed_in_one_relationship_resumes_there(examples_repo):
    repo = examples_repo
    plan = make_plan(repo, "--client", HOLDING, "--client", ROCHAT)
    approve(repo, plan, "regula.zuercher", "frederic.rochat", "gisele.dufour")
    before = states(repo)
    refuse_rights_on(repo, "EB-20145837-1")

    first = apply(repo)

    assert (first.exit_code, first.stderr) == (1, "")
    assert first.stdout == report(
        plan,
        f"  {HOLDING}  failed   {injected_failure(repo)}",
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13",
        "Apply: 1 applied, 1 failed.",
    )
    assert states(repo)[HOLDING] == before[HOLDING]
    allow_rights_again(repo)

    second = apply(repo)

    assert (second.exit_code, second.stderr) == (0, "")
    assert second.stdout == report(
        plan,
        f"  {HOLDING}  applied          order {HOLDING}-1 executed, serial 17 -> 18",
        f"  {ROCHAT}  already applied  order {ROCHAT}-1 executed this plan",
        "Apply: 1 already applied, 1 applied.",
    )
    after = states(repo)
    assert {c: after[c] for c in (HOLDING, ROCHAT)} == {
        c: applied(before[c]) for c in (HOLDING, ROCHAT)
    }
    assert {c: after[c] for c in (HAUSTECHNIK, IMMOBILIEN, REZZONICO)} == {
        c: before[c] for c in (HAUSTECHNIK, IMMOBILIEN, REZZONICO)
    }
    assert [(client, plan_id) for client, plan_id, *_ in audited(repo)] == [
        (ROCHAT, plan["plan_id"]),
        (HOLDING, plan["plan_id"]),
    ]


# --- paper steps ----------------------------------------------------------------------------


def test_an_admin_right_is_left_for_the_paper_form_and_the_rest_is_applied(examples_repo):
    repo = examples_repo
    declaration = repo.root / "clients" / f"{HOLDING}.yaml"
    declaration.write_text(
        declaration.read_text(encoding="utf-8").replace(
            "    github: mgisler\n", "    github: mgisler\n    admin: collective\n"
        ),
        encoding="utf-8",
    )
    manual = (
        f"      manual: {HOLDING}/users/martin.gisler/admin: the bank changes the Admin right"
        ' only on the signed form "assignment/change of the electronic Admin right"; apply'
        " pre-fills it for signature"
    )
    plan = make_plan(repo, "--client", HOLDING)
    before = states(repo)
    approve(repo, plan, "regula.zuercher")

    first = apply(repo)

    form = f"artifacts/admin-right-form-{HOLDING}.pdf"
    assert (first.exit_code, first.stderr) == (0, f"wrote the Admin-right form to sign: {form}\n")
    assert PdfReader(repo.root / form).pages[0].extract_text().count("Martin Gisler") == 1
    assert first.stdout == report(
        plan,
        f"  {HOLDING}  applied  order {HOLDING}-1 executed, serial 17 -> 18",
        manual,
        "Apply: 1 applied.",
    )
    assert states(repo)[HOLDING] == applied(before[HOLDING])

    plan = make_plan(repo, "--client", HOLDING)
    (repo.root / APPROVALS).unlink()  # the first plan's
    approve(repo, plan, "regula.zuercher")

    second = apply(repo)

    assert (second.exit_code, second.stderr) == (0, f"wrote the Admin-right form to sign: {form}\n")
    assert second.stdout == report(
        plan,
        f"  {HOLDING}  manual only  no electronic change; see the manual steps",
        manual,
        "Apply: 1 manual only.",
    )
    assert states(repo)[HOLDING] == applied(before[HOLDING])
    assert [client for client, *_ in audited(repo)] == [HOLDING]


@pytest.mark.parametrize("missing", ["plan", "approvals"])
def test_missing_files_are_named(examples_repo, missing):
    repo = examples_repo
    plan = make_plan(repo)
    approve(repo, plan, "regula.zuercher")
    (repo.root / (PLAN if missing == "plan" else APPROVALS)).unlink()

    result = apply(repo)

    if missing == "plan":
        refused(result, f"{PLAN}: no such plan file", "make one with `efctl plan --out`")
    else:
        refused(
            result,
            f"{APPROVALS}: no such approvals file",
            "record approvals with `efctl approve PLANFILE --as USER --author MAKER`",
        )

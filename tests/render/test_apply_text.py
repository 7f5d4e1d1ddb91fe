"""The apply view: outcomes, manual steps with their notes in words, the refusal of a repeat."""

from __future__ import annotations

from efctl.app.apply import ApplyReport
from efctl.render.apply import apply_markdown, apply_text
from reconcile.apply import ClientResult, Outcome
from reconcile.plan import Action, Change, Note, NoteKind, Resource

PLAN_ID = "sha256:" + "ab" * 32
FORM = Note(
    NoteKind.ADMIN_FORM,
    'the bank changes the Admin right only on the signed form "assignment/change of the '
    'electronic Admin right"; apply pre-fills it for signature',
    {"form": "assignment/change of the electronic Admin right"},
)
ADMIN = Change(
    "10432210/users/carla.rossi/admin",
    Action.MANUAL,
    Resource.ADMIN_RIGHT,
    {"admin": "none"},
    {"admin": "individual"},
    (FORM,),
)


def test_each_relationship_its_outcome_and_its_manual_steps():
    report = ApplyReport(
        PLAN_ID,
        (
            ClientResult(
                "10432210",
                Outcome.APPLIED_ELSEWHERE,
                "order 10432210-7 executed this plan while this run was checking it",
                "10432210-7",
                (ADMIN,),
            ),
            ClientResult("30811020", Outcome.NO_CHANGES, "nothing to change"),
        ),
    )
    assert report.ok
    assert apply_text(report.as_json()) == (
        "apply of plan sha256:abababababab…\n"
        "  10432210  applied (by another run)  order 10432210-7 executed this plan while this "
        "run was checking it\n"
        "      manual: 10432210/users/carla.rossi/admin: the bank changes the Admin right only on "
        'the signed form "assignment/change of the electronic Admin right"; apply pre-fills it '
        "for signature\n"
        "  30811020  no changes                nothing to change\n"
        "Apply: 1 applied (by another run), 1 no changes.\n"
    )


def test_a_manual_step_shows_the_label_of_its_note_kind():
    drifted = Note(NoteKind.DRIFT, "the bank has admin collective", {"bank": None, "applied": None})
    change = Change(
        ADMIN.address, ADMIN.action, ADMIN.resource, ADMIN.before, ADMIN.after, (drifted,)
    )
    result = ClientResult("10432210", Outcome.MANUAL_ONLY, "no electronic change", manual=(change,))
    assert apply_text(ApplyReport(PLAN_ID, (result,)).as_json()) == (
        "apply of plan sha256:abababababab…\n"
        "  10432210  manual only  no electronic change\n"
        "      manual: 10432210/users/carla.rossi/admin: drift: the bank has admin collective\n"
        "Apply: 1 manual only.\n"
    )


def test_a_plan_applied_before_everywhere_is_refused():
    done = ClientResult("10432210", Outcome.ALREADY_APPLIED, "order 10432210-7 executed this plan")
    report = ApplyReport(PLAN_ID, (done,))
    assert not report.ok
    assert apply_text(report.as_json()).endswith(
        "Apply: 1 already applied.\n"
        "Refused: this plan was applied before, and a plan is applied only once.\n"
    )


def test_the_apply_comment_masks_names_who_can_approve_and_lists_the_forms():
    report = {
        "plan_id": "sha256:" + "ab" * 32,
        "results": [
            {"client": "20145837", "outcome": "applied", "detail": "order 20145837-1 executed"},
            {
                "client": "30518764",
                "outcome": "needs approval",
                "detail": "needs a reviewer | approved only by l.cattaneo@rezzonico.example.ch",
                "eligible": ["grezzonico"],
            },
        ],
    }
    forms = ["artifacts/admin-right-form-20145837.pdf"]
    assert apply_markdown(report, forms, "https://github.com/o/r/actions/runs/9") == (
        "### efctl applied plan `sha256:abababababab…`\n"
        "\n"
        "| relationship | outcome | detail |\n"
        "|---|---|---|\n"
        "| 20145837 | applied | order 20145837-1 executed |\n"
        "| 30518764 | needs approval | needs a reviewer / approved only by"
        " l***@rezzonico.example.ch |\n"
        "\n"
        "**Approvals still missing** (approve the head commit, then run the apply again):\n"
        "- 30518764: `grezzonico`\n"
        "\n"
        "**To sign and send to the bank** (in the run's `efctl-apply` artifact):\n"
        "- `artifacts/admin-right-form-20145837.pdf`\n"
        "\n"
        "Applied by [this run](https://github.com/o/r/actions/runs/9); the bank executed each"
        " relationship as one order or not at all.\n"
    )

"""The apply view: outcomes, manual steps with their notes in words, the refusal of a repeat."""

from __future__ import annotations

from efctl.app.apply import ApplyReport
from efctl.render.apply import apply_text
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

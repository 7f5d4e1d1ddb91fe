"""Final-state rules: what the relationship would look like after the plan, judged as a whole.

A change can be fine on its own and the plan still dangerous: deleting the last admins locks
the client out of its own administration (only the bank's paper form brings an admin back), and
deleting many users at once is more often a truncated file than an intention. A user whose
``until`` has come was deleted on purpose, reviewed when the day was declared: such deletions
count for the lockout, not as a mass removal.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconcile.diagnostics import Diagnostic, error, warning
from reconcile.dualcontrol import Admin, admins_needed, admins_of, enough_admins
from reconcile.model import ClientState
from reconcile.plan import Action, Address, Change, NoteKind, Resource

MASS_REMOVAL_PERCENT = 25  # deleting more than this share of the bank's users needs the flag
MASS_REMOVAL_FLAG = "--allow-mass-removal"


def final_state_rules(
    state: ClientState, changes: Sequence[Change], *, allow_mass_removal: bool
) -> list[Diagnostic]:
    """Lockout, then mass removal, for one relationship and the changes planned for it."""
    deletions = [
        change
        for change in changes
        if change.resource is Resource.USER and change.action is Action.DELETE
    ]
    deleted = {Address.parse(change.address).user for change in deletions}
    expired = {
        Address.parse(change.address).user
        for change in deletions
        if any(note.kind is NoteKind.EXPIRED for note in change.notes)
    }
    problems = []
    lockout = _lockout(state, deleted)
    if lockout:
        problems.append(lockout)
    removal = _mass_removal(state, deleted - expired, allow_mass_removal)
    if removal:
        problems.append(removal)
    unapprovable = _no_one_can_approve(state, changes)
    if unapprovable:
        problems.append(unapprovable)
    return problems


def _no_one_can_approve(state: ClientState, changes: Sequence[Change]) -> Diagnostic | None:
    """Say at plan time, not at apply time, when even every admin together cannot approve."""
    electronic = [c for c in changes if c.action is not Action.MANUAL]
    admins = admins_of(state)
    if not electronic or enough_admins([admin.signature for admin in admins]):
        return None
    return warning(
        "EF303",
        f"client {state.id}: no approval can satisfy four eyes for this plan: the bank's admins "
        f"are {_named(admins) if admins else 'nobody'}, and it needs {admins_needed([])}",
        hint="the bank gives the Admin right only on its signed paper form; have it processed "
        "first, or the changes stay unapplied",
    )


def _lockout(state: ClientState, deleted: set[str]) -> Diagnostic | None:
    """Admin rights count as the bank has them: a manual change counts once the bank shows it."""
    admins = admins_of(state)
    gone = [admin for admin in admins if admin.user in deleted]
    remaining = [admin for admin in admins if admin.user not in deleted]
    signatures = [admin.signature for admin in remaining]
    if not gone or enough_admins(signatures):
        return None
    left = f"only {_named(remaining)}" if remaining else "no admin"
    return error(
        "EF301",
        f"client {state.id}: deleting {_named(gone)} leaves {left}; the relationship needs "
        f"{admins_needed([])} to administer it",
        hint="keep enough admins, or have the bank give another user the Admin right first "
        "(the signed form; a manual change in this plan counts only once the bank shows it)",
    )


def _mass_removal(state: ClientState, deleted: set[str], allowed: bool) -> Diagnostic | None:
    total = len(state.users)
    if len(deleted) * 100 <= total * MASS_REMOVAL_PERCENT:
        return None
    message = (
        f"client {state.id}: the plan deletes {len(deleted)} of the relationship's {total} "
        f"user{'' if total == 1 else 's'}, more than {MASS_REMOVAL_PERCENT} %"
    )
    if allowed:
        return warning("EF302", f"{message}; allowed by {MASS_REMOVAL_FLAG}")
    return error("EF302", message, hint=f"plan with {MASS_REMOVAL_FLAG} if this is intended")


def _named(admins: Sequence[Admin]) -> str:
    names = [f"{admin.user} ({admin.signature} admin)" for admin in admins]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

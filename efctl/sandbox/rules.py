"""Rules the bank applies on its own side, which the sandbox bank mirrors.

They are the bank's, written here independently of efctl's own checks (reconcile), so that a
mistake in efctl cannot talk the sandbox bank into executing what the real one would not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from reconcile.model import AdminRight

API_KEY_VALIDITY_YEARS = 2


def api_key_expiry(created: date) -> date:
    """A key is valid two years from creation; one made on 29 February expires on 28 February."""
    year = created.year + API_KEY_VALIDITY_YEARS
    try:
        return created.replace(year=year)
    except ValueError:
        return created.replace(year=year, day=28)


def four_eyes_missing(
    maker: str, checkers: Sequence[str], admin_rights: Mapping[str, AdminRight]
) -> str | None:
    """What the bank's four-eyes rule still needs for an order, or None when it holds.

    The admins among maker and checkers, counted as distinct people, must include one
    individual admin or two collective admins, and someone other than the maker must have
    checked. ``admin_rights`` maps the relationship's user ids to their Admin right; anyone
    else (a ``github:<login>``) is no admin. Worded as efctl words its own check (the maker is
    the author, a checker a reviewer), so that a refusal reads the same from either side.
    """
    rights = [admin_rights.get(person, AdminRight.NONE) for person in {maker, *checkers}]
    collective = rights.count(AdminRight.COLLECTIVE)
    needs = []
    if all(checker == maker for checker in checkers):
        needs.append("a reviewer who is not the author")
    if AdminRight.INDIVIDUAL not in rights and collective < 2:
        needs.append(
            "one individual admin or a second collective admin"
            if collective == 1
            else "one individual admin or two collective admins"
        )
    return " and ".join(needs) or None

"""The four-eyes rule as one table of cases, for both of its checks.

efctl's check (reconcile.dualcontrol.judge, on the plan's evidence) and the bank's
(efctl.sandbox.rules.four_eyes_missing, on an order) are separate implementations on purpose:
the bank checks on its own, as the real one does. This table drives the tests of both, so that
they agree on every case and word what is missing the same way.

People: the maker (the plan's author) and the checkers (the approving reviewers). Each person's
Admin right is in PEOPLE; anyone not in it (`outsider`, `github:…`) holds none.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reconcile.model import AdminRight

PEOPLE = {
    "ind": AdminRight.INDIVIDUAL,
    "col1": AdminRight.COLLECTIVE,
    "col2": AdminRight.COLLECTIVE,
    "nobody": AdminRight.NONE,
}

REVIEWER = "a reviewer who is not the author"
ADMINS = "one individual admin or two collective admins"
SECOND = "one individual admin or a second collective admin"


@dataclass(frozen=True)
class Case:
    maker: str
    checkers: tuple[str, ...]
    needs: str | None  # None: the rule holds; else what is missing, as it follows "needs "


CASES = {
    "individual maker, any checker": Case("ind", ("nobody",), None),
    "individual checker": Case("nobody", ("ind",), None),
    "two collective admins": Case("col1", ("col2",), None),
    "two collective checkers of an outsider": Case("outsider", ("col1", "col2"), None),
    "a checker counts once": Case("col1", ("col2", "col2"), None),
    "individual maker alone": Case("ind", (), REVIEWER),
    "the maker's own checks": Case("ind", ("ind", "ind"), REVIEWER),
    "one collective admin checking own": Case("col1", ("col1",), f"{REVIEWER} and {SECOND}"),
    "one collective admin and a non-admin": Case("col1", ("nobody", "col1"), SECOND),
    "one collective admin and an outsider": Case("col1", ("github:col2",), SECOND),
    "no admin": Case("nobody", ("github:x",), ADMINS),
    "only outsiders": Case("outsider", ("also-outsider",), ADMINS),
    "no admin alone": Case("nobody", (), f"{REVIEWER} and {ADMINS}"),
}


def each_case():
    """``@pytest.mark.parametrize("case", each_case())``: every case, named."""
    return [pytest.param(case, id=name) for name, case in CASES.items()]

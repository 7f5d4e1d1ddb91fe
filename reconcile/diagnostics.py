"""Problems as data: every check yields Diagnostics, collected, never raised one by one.

The engine knows where a problem is only as a pointer into the document
(``("users", 3, "authorizations", "copy_from")``); the loader turns pointers into
``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


Pointer = tuple[str | int, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    hint: str | None = None
    pointer: Pointer = ()
    file: str | None = None
    line: int | None = None  # 1-based
    col: int | None = None  # 1-based

    def at(self, file: str, line: int | None, col: int | None) -> Diagnostic:
        return replace(self, file=file, line=line, col=col)

    @property
    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.col or 0, self.code)


def error(code: str, message: str, pointer: Pointer = (), hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, hint, pointer)


def warning(code: str, message: str, pointer: Pointer = (), hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, hint, pointer)


# Every code efctl emits, with its one-line meaning. The README's table is generated
# from (and tested against) this registry, so it cannot drift.
CODES: dict[str, str] = {
    # reading the file
    "EF001": "YAML syntax error",
    "EF002": "duplicate key in a mapping",
    "EF003": "YAML tag refused (safe loading only)",
    "EF004": "anchor/alias expansion too large (alias bomb)",
    "EF005": "file larger than the size limit",
    "EF006": "file unreadable, not UTF-8, or a link leading out of the repository",
    "EF007": "document is empty or not a mapping",
    "EF008": "no declaration file in the folders given",
    "EF009": "a file that looks like a declaration is skipped",
    # the schema
    "EF010": "unknown key",
    "EF011": "required key missing",
    "EF012": "wrong type",
    "EF013": "value not allowed",
    "EF014": "unknown profile",
    "EF015": "value has the wrong format",
    # semantics
    "EF101": "duplicate user id",
    "EF102": "unknown contract",
    "EF103": "unknown contract type",
    "EF104": "`all` together with `copy_from`",
    "EF105": "`copy_from` names no user of the relationship",
    "EF106": "`copy_from` cycle",
    "EF107": "API key for an unknown user",
    "EF108": "API key for a user without a billing_solutions contract",
    "EF109": "ISO version 2009 after the parallel phase",
    "EF110": "override of an unknown delivery",
    "EF111": "client id unknown at the bank",
    "EF112": "one github login on two users",
    "EF113": "user left with no rights at all",
    "EF114": "client relationship declared in two files",
    "EF115": "duplicate API key name",
    "EF116": "ISO override on a delivery without an ISO version",
    "EF117": "unknown ISO version",
    "EF118": "a requested profile falls back to nothing",
    "EF119": "a value that looks like a secret (API key, token, password)",
    "EF120": "a time-boxed entry (until) has expired or expires soon",
    "EF121": "`copy_from` a user whose access ends earlier (until)",
    # the sandbox bank's seed
    "EF201": "duplicate contract, delivery or signatory in a bank seed",
    # the plan's final-state rules
    "EF301": "the plan's user deletions leave too few admins (lockout)",
    "EF302": "the plan deletes more than 25 % of the relationship's users",
    "EF303": "no approval can satisfy four eyes for the relationship (too few admins)",
}

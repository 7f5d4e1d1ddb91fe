"""One base exception for the application layer; the CLI turns it into a message and exit 1."""

from __future__ import annotations

from collections.abc import Sequence


class EfctlError(Exception):
    """An operational problem the user can fix; carries the fix as a hint."""

    def __init__(self, message: str, hint: str | None = None, diagnostics: Sequence = ()):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.diagnostics = tuple(diagnostics)  # located problems, printed before the message


class InvalidDeclarations(EfctlError):
    """The declarations have errors; the diagnostics say where, the CLI prints each of them."""

    def __init__(self, validation):
        self.validation = validation
        super().__init__(
            "the declarations have errors (listed above)",
            hint="fix them and run again; `efctl validate` shows the same list",
        )

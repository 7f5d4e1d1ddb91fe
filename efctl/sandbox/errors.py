"""The sandbox's one exception family: operational problems with the bank, each naming the fix."""

from __future__ import annotations

from collections.abc import Sequence

from efctl.errors import EfctlError
from reconcile.backend import BackendError, RelationshipBusy, StaleOrder
from reconcile.diagnostics import Diagnostic


class SandboxError(EfctlError, BackendError):
    """The sandbox bank cannot do what was asked: unreachable, wrong version, not initialised..."""


class SeedError(SandboxError):
    """A seed folder has problems; every one of them is a located Diagnostic in ``diagnostics``,
    which the CLI prints before the message (the sandbox formats nothing itself)."""

    def __init__(self, seed_dir: str, diagnostics: Sequence[Diagnostic]):
        count = len(diagnostics)
        super().__init__(
            f"the bank seed in {seed_dir} has {count} problem{'' if count == 1 else 's'}"
            " (listed above)",
            hint="fix the seed files; the sandbox bank was left as it was",
            diagnostics=diagnostics,
        )


class StaleOrderError(SandboxError, StaleOrder):
    """The relationship changed at the bank after the plan (or pending order) was made."""

    def __init__(
        self,
        client: str,
        expected_serial: int,
        actual_serial: int,
        hint: str = "run `efctl plan` again, review the new plan and apply that one",
    ):
        self.client = client
        self.expected_serial = expected_serial
        self.actual_serial = actual_serial
        super().__init__(
            f"relationship {client} changed at the bank: the order is based on serial "
            f"{expected_serial}, the bank is at serial {actual_serial}",
            hint=hint,
        )


class OrderRefused(SandboxError):
    """The bank will not take the order or the authorisation; nothing was written."""

    def __init__(self, reason: str, hint: str | None = None):
        self.reason = reason
        super().__init__(reason, hint=hint)


class RelationshipBusyError(SandboxError, RelationshipBusy):
    """Another apply held the relationship for the whole timeout; nothing was done to it."""

    def __init__(self, client: str, holder: str, waited: float):
        self.client = client
        self.holder = holder
        self.waited = waited
        super().__init__(
            f"relationship {client} is being applied by {holder} (waited {waited:g} s)",
            hint="run this apply again once that one has finished (what it applied stays "
            "applied), or wait longer: --lock-timeout SECONDS",
        )

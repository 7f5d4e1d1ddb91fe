"""`efctl audit`: show the bank's audit chain, verify it, export it as JSON Lines for archiving.

The chain links every executed order of the whole bank (reconcile.audit); only the whole chain
verifies, so ``verify`` and ``export`` always take all of it. An export is one entry per line in
canonical JSON (sorted keys, no spaces), so that the file verifies on its own, diffs line by
line against an earlier export, and its last hash can be kept elsewhere to show truncation.

Verifying the bank also checks each entry's order: its stored changes must still hash to the
digest the entry recorded. An export carries the digests but not the orders, so verifying an
export checks the chain only; its intact line says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from efctl.declarations.convert import normalise_client_id
from efctl.errors import EfctlError
from efctl.files import write_file
from efctl.sandbox import Store
from reconcile.audit import (
    HASH_FORM_TEXT,
    AuditEntry,
    ChainBreak,
    is_chain_hash,
    verify_anchor,
    verify_chain,
    verify_orders,
)
from reconcile.plan import canonical_json

ENTRY_KEYS = tuple(f.name for f in fields(AuditEntry))
OPTIONAL_TEXT = ("plan_id", "commit", "prev_hash")  # null or a text; every other text is required


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    last_hash: str | None
    broken: ChainBreak | None
    orders_checked: bool = False  # False for an export: it holds no orders to check

    @property
    def intact(self) -> bool:
        return self.broken is None


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return asdict(entry) | {"checkers": list(entry.checkers)}


@dataclass(frozen=True)
class AuditListing:
    client: str | None  # the relationship asked for, None for the whole chain
    entries: list[dict[str, Any]]  # by seq, each as JSON


@dataclass(frozen=True)
class Export:
    out: Path | None  # None: the lines are for standard output
    lines: str  # JSON Lines, one canonical entry per line
    check: ChainCheck  # the exported entries, checked as they were read


def audit_entries(bank: Store, client: str | None = None) -> AuditListing:
    """The chain by seq, or only one relationship's entries of it."""
    client = normalise_client_id(client) if client else None
    return AuditListing(client, [entry_json(entry) for entry in bank.audit_entries(client)])


def export_lines(entries: list[AuditEntry]) -> str:
    """Entries as JSON Lines: one canonical entry per line."""
    return "".join(canonical_json(entry_json(entry)) + "\n" for entry in entries)


def export(bank: Store, out: Path | None) -> Export:
    """The bank's whole chain as JSON Lines, written to ``out`` when given; checked as
    ``verify`` checks the bank, orders included."""
    entries = bank.audit_entries()
    lines = export_lines(entries)
    if out is not None:
        write_file(out, lines)
    return Export(out, lines, check_chain(entries, stored_changes=bank.stored_changes()))


def verify_file(path: Path, recorded_hash: str | None = None) -> ChainCheck:
    """An export's chain; the orders are not in it, so their changes are not checked."""
    return check_chain(read_export(path), recorded_hash)


def verify_bank(bank: Store, recorded_hash: str | None = None) -> ChainCheck:
    """The bank's chain, then each entry's order against the digest the entry recorded."""
    entries = bank.audit_entries()
    return check_chain(entries, recorded_hash, bank.stored_changes())


def require_hash_form(recorded_hash: str | None) -> None:
    """A mistyped --expect-hash is the user's slip, not a tampered chain: no alarm for it."""
    if recorded_hash is not None and not is_chain_hash(recorded_hash):
        raise EfctlError(
            f"--expect-hash {recorded_hash!r} is not an audit hash",
            hint=f"an audit hash is {HASH_FORM_TEXT}, as `efctl audit verify` prints it as the"
            " last hash",
        )


def check_chain(
    entries: list[AuditEntry],
    recorded_hash: str | None = None,
    stored_changes: Mapping[str, str] | None = None,
) -> ChainCheck:
    """The chain's own check and, given the orders' stored changes, the orders' check (the
    break with the lower seq is named, the chain's at the same seq); then, given a hash kept
    from an earlier check, truncation."""
    broken = verify_chain(entries)
    if stored_changes is not None:
        of_order = verify_orders(entries, stored_changes)
        if of_order is not None and (
            broken is None or broken.seq is None or of_order.seq < broken.seq
        ):
            broken = of_order
    if broken is None and recorded_hash is not None:
        broken = verify_anchor(entries, recorded_hash)
    return ChainCheck(
        entries=len(entries),
        last_hash=entries[-1].hash if entries else None,
        broken=broken,
        orders_checked=stored_changes is not None,
    )


def read_export(path: Path) -> list[AuditEntry]:
    """The entries of an export in file order; a line that is no entry is an EfctlError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise EfctlError(
            f"{path}: no such file", hint="`efctl audit export --out FILE` writes one"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EfctlError(f"{path}: cannot read the audit export: {exc}") from exc
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(_entry(json.loads(line)))
        except (json.JSONDecodeError, ValueError) as exc:
            raise EfctlError(
                f"{path}:{number}: not an audit entry: {exc}",
                hint="an export has one JSON object per line, as `efctl audit export` writes it",
            ) from exc
    return entries


def _entry(data: Any) -> AuditEntry:
    """An entry from its JSON form, every key present and of its type; ValueError otherwise."""
    if not isinstance(data, dict):
        raise ValueError(f"a JSON object is needed, not {type(data).__name__}")
    missing = [key for key in ENTRY_KEYS if key not in data]
    unknown = sorted(key for key in data if key not in ENTRY_KEYS)
    if missing or unknown:
        parts = [
            f"{label} {', '.join(keys)}"
            for label, keys in (("missing", missing), ("unknown", unknown))
            if keys
        ]
        raise ValueError("; ".join(parts))
    for key in ENTRY_KEYS:
        value = data[key]
        if key == "seq":
            valid = isinstance(value, int) and not isinstance(value, bool)
        elif key == "checkers":
            valid = isinstance(value, list) and all(isinstance(c, str) for c in value)
        else:
            valid = isinstance(value, str) or (key in OPTIONAL_TEXT and value is None)
        if not valid:
            raise ValueError(f"`{key}` has the wrong type: {json.dumps(value)}")
    return AuditEntry(**data | {"checkers": tuple(data["checkers"])})

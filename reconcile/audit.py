"""The audit chain: one hash-linked record of every executed order, over the whole bank.

Each entry carries the hash of the one before it, and its own hash covers everything else in
it, so that changing, removing or reordering entries after the fact is detected by
:func:`verify_chain`. Removing the newest entries leaves a valid shorter chain; only a copy of
the last hash kept elsewhere (a CI log, a plan comment) can show that.

Each entry also names its order and carries the digest of the changes the order executed, so
that :func:`verify_orders` shows an order whose stored changes were rewritten afterwards. That
check needs the orders: an export of the chain alone verifies the chain, not the orders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from reconcile.plan import Change, canonical_json, sha256_of


@dataclass(frozen=True)
class AuditEntry:
    seq: int  # 1, 2, 3, ... over the whole bank
    client: str
    order_id: str  # the executed order, as the bank numbers it
    at: str  # UTC, ISO 8601 to the second
    plan_id: str | None
    commit: str | None
    maker: str
    checkers: tuple[str, ...]
    changes_digest: str
    prev_hash: str | None  # None for the first entry
    hash: str

    def body(self) -> dict:
        """What the hash covers: every field but the hash itself."""
        body = asdict(self)
        del body["hash"]
        body["checkers"] = list(self.checkers)
        return body


# Every hash of the chain (reconcile.plan.sha256_of): the algorithm, then 64 lowercase hex digits.
HASH_FORM = re.compile(r"sha256:[0-9a-f]{64}")
HASH_FORM_TEXT = "'sha256:' and 64 hex digits (0-9, a-f)"


@dataclass(frozen=True)
class ChainBreak:
    # The entry where the chain breaks (for a removed entry: the missing seq); None when no
    # entry of the chain can be named, as for a hash kept from earlier that is gone.
    seq: int | None
    reason: str
    # True where the chain holds but an order no longer matches its entry (the reason then
    # names the entry and the order itself).
    of_order: bool = False


def changes_digest(changes: Sequence[Change]) -> str:
    return sha256_of(canonical_json([c.to_json() for c in changes]))


def stored_changes_digest(stored: str) -> str | None:
    """The digest of an order's changes as stored (JSON text); None for text that is no JSON.

    Hashed as stored, not through :class:`Change`: a key added or a value retyped in the
    stored text changes the digest even where reading it as changes would drop or coerce it.
    """
    try:
        return sha256_of(canonical_json(json.loads(stored)))
    except ValueError:
        return None


def verify_orders(entries: Sequence[AuditEntry], stored: Mapping[str, str]) -> ChainBreak | None:
    """The first entry whose order's stored changes (``stored``: order id -> the changes as
    the bank stores them) are gone or no longer hash to the digest the entry recorded."""
    for entry in entries:
        where = f"audit entry {entry.seq} (order {entry.order_id})"
        if entry.order_id not in stored:
            return ChainBreak(entry.seq, f"{where}: the order is no longer in the bank", True)
        if stored_changes_digest(stored[entry.order_id]) != entry.changes_digest:
            return ChainBreak(
                entry.seq,
                f"{where}: the order's stored changes no longer match the digest the audit"
                " recorded",
                True,
            )
    return None


def chained_entry(
    previous: AuditEntry | None,
    *,
    client: str,
    order_id: str,
    at: str,
    plan_id: str | None,
    commit: str | None,
    maker: str,
    checkers: Sequence[str],
    changes: Sequence[Change],
) -> AuditEntry:
    """The entry that follows ``previous`` (None: the first entry of the chain)."""
    unhashed = AuditEntry(
        seq=previous.seq + 1 if previous else 1,
        client=client,
        order_id=order_id,
        at=at,
        plan_id=plan_id,
        commit=commit,
        maker=maker,
        checkers=tuple(checkers),
        changes_digest=changes_digest(changes),
        prev_hash=previous.hash if previous else None,
        hash="",
    )
    return replace(unhashed, hash=_hash(unhashed))


def verify_chain(entries: Sequence[AuditEntry]) -> ChainBreak | None:
    """The first place where ``entries`` (the whole chain, in the order read) is broken.

    Checked in this order for each entry: its position (a missing or out-of-order seq), its
    own hash (the entry was altered), its link to the entry before (an entry before it was
    rewritten together with its hash).
    """
    present = {entry.seq for entry in entries}
    seen: set[int] = set()
    previous: AuditEntry | None = None
    for entry in entries:
        expected = previous.seq + 1 if previous else 1
        if entry.seq in seen:
            return ChainBreak(entry.seq, f"entry {entry.seq} appears twice")
        if entry.seq != expected:
            return _misplaced(entry, expected, previous, present)
        seen.add(entry.seq)
        if entry.hash != _hash(entry):
            return ChainBreak(
                entry.seq, f"entry {entry.seq} was altered: its hash does not match its content"
            )
        if entry.prev_hash != (previous.hash if previous else None):
            link = f"entry {previous.seq}" if previous else "no entry (it is the first)"
            return ChainBreak(
                entry.seq,
                f"entry {entry.seq} does not link to {link}: its prev_hash differs",
            )
        previous = entry
    return None


def is_chain_hash(text: str) -> bool:
    """Whether ``text`` has the form of a hash of the chain (whether or not it is in one)."""
    return HASH_FORM.fullmatch(text) is not None


def verify_anchor(entries: Sequence[AuditEntry], recorded_hash: str) -> ChainBreak | None:
    """Truncation, which a chain cannot show by itself: a hash recorded earlier (the last one
    an earlier verify printed) must still be in the chain; later entries may have been added.

    A hash that is gone says nothing of where: the newest entries may have been removed, or the
    whole chain replaced, so the break names no seq.
    """
    if any(entry.hash == recorded_hash for entry in entries):
        return None
    noun = "entry" if len(entries) == 1 else "entries"
    return ChainBreak(
        None,
        f"the hash kept from an earlier verify ({recorded_hash[:19]}…) is not in the chain of"
        f" {len(entries)} {noun}: entries were removed or the chain was replaced",
    )


def _misplaced(
    entry: AuditEntry, expected: int, previous: AuditEntry | None, present: set[int]
) -> ChainBreak:
    after = f"entry {previous.seq}" if previous else "the start of the chain"
    if entry.seq < expected:
        return ChainBreak(entry.seq, f"entry {entry.seq} is out of order: it comes after {after}")
    if expected in present:
        return ChainBreak(
            entry.seq, f"entry {entry.seq} is out of order: it comes before entry {expected}"
        )
    return ChainBreak(expected, f"entry {expected} is missing: entry {entry.seq} follows {after}")


def _hash(entry: AuditEntry) -> str:
    return sha256_of(canonical_json(entry.body()))

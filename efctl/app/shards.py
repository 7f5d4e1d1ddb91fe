"""`efctl plan --shard K/N` and `efctl show` of shard plans: one plan made in N CI jobs.

A relationship's shard is the SHA-256 of its client id, modulo N. That is stable (a
relationship keeps its shard when others are added or removed, so a matrix job's share only
grows or shrinks by what changed) and balanced in count: with R relationships each shard gets
about R/N of them, give or take a few times sqrt(R/N) (1,000 relationships in 4 shards: 250
each, within about 30). It does not weigh relationships by their size; a count-balanced,
stable share is what CI caches and reviewers can rely on.

Every shard plan records its share (``options.shard``) and carries the inputs digest of the
whole selection, so the shards of one run merge back into exactly the plan one job would have
made: same relationships, same diagnostics, same plan id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from efctl.errors import EfctlError
from reconcile.plan import Plan

_FORM = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    """Share ``index`` (from 1) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = _FORM.fullmatch(text.strip())
        index, count = (int(found[1]), int(found[2])) if found else (0, 0)
        if not 1 <= index <= count:
            raise EfctlError(
                f"--shard {text}: not a shard",
                hint="K/N with 1 <= K <= N, e.g. --shard 2/4 for the second of four CI jobs",
            )
        return cls(index, count)

    def holds(self, client: str) -> bool:
        return shard_of(client, self.count) == self.index

    def option(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(client: str, count: int) -> int:
    """The shard (from 1) of COUNT that the relationship CLIENT belongs to."""
    digest = hashlib.sha256(client.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def merge_shards(plans: Sequence[tuple[Path, Plan]]) -> Plan:
    """The shard plans of one run as the one plan they were split from, or why they are not.

    Refused: a plan that is no shard, shards of different runs (commit, inputs digest,
    options, day), a share given twice or missing, and a relationship outside its share.
    """
    shards = [(path, plan, _shard_of(path, plan)) for path, plan in plans]
    first_path, first, first_shard = shards[0]
    for path, plan, shard in shards[1:]:
        for what, value in _run_of(plan, shard).items():
            if value != (expected := _run_of(first, first_shard)[what]):
                raise EfctlError(
                    f"{path} and {first_path} are not shards of one plan: "
                    f"their {what} differ ({_said(value)} and {_said(expected)})",
                    hint="merge the shard plans of one run: made from the same commit, "
                    "with the same options, on the same day",
                )
    taken: dict[int, Path] = {}
    for path, plan, shard in shards:
        if shard.index in taken:
            raise EfctlError(
                f"{path} and {taken[shard.index]} are both shard {shard}",
                hint="give each shard plan once",
            )
        taken[shard.index] = path
        strays = [c.client for c in plan.clients if not shard.holds(c.client)]
        if strays:
            raise EfctlError(
                f"{path}: relationships {', '.join(strays)} do not belong to shard {shard}",
                hint="a shard plan holds only its own share; make it again with --shard",
            )
    count = first_shard.count
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in taken]
    if missing:
        raise EfctlError(
            f"shard {', '.join(missing)} missing: the merged plan would not cover every "
            "relationship",
            hint=f"give all {count} shard plans of the run",
        )
    ordered = sorted(shards, key=lambda entry: entry[2].index)
    options = {k: v for k, v in first.options.items() if k != "shard"}
    clients = sorted((c for _, p, _ in ordered for c in p.clients), key=lambda c: c.client)
    return replace(
        first,
        clients=tuple(clients),
        options=options,
        diagnostics=tuple(
            sorted((d for _, p, _ in ordered for d in p.diagnostics), key=lambda d: d.sort_key)
        ),
        created_at=max(plan.created_at or "" for _, plan, _ in ordered) or None,
    )


def _shard_of(path: Path, plan: Plan) -> Shard:
    shard = plan.options.get("shard")
    if shard is None:
        raise EfctlError(
            f"{path}: not a shard plan, so there is nothing to merge it with",
            hint="efctl show takes one plan, or all the plans of `efctl plan --shard K/N`",
        )
    return Shard(shard["index"], shard["count"])


def _run_of(plan: Plan, shard: Shard) -> dict[str, Any]:
    """What all shards of one run share."""
    return {
        "commits": plan.commit,
        "inputs digests": plan.inputs_digest,
        "options": {k: v for k, v in plan.options.items() if k != "shard"},
        "shard counts": shard.count,
        "days (as_of)": plan.as_of,
    }


def _said(value: Any) -> str:
    return "none" if value is None else str(value)


def whole_plan(path: Path, plan: Plan) -> Plan:
    """PLAN, unless it is one shard of a plan: a share is never approved or applied alone."""
    shard = plan.options.get("shard")
    if shard is not None and shard["count"] > 1:
        raise EfctlError(
            f"{path}: this is shard {shard['index']}/{shard['count']} of a plan, not a whole "
            "plan; nothing was done",
            hint="merge the shard plans first: efctl show SHARD-PLAN... --out plan.json",
        )
    return plan

"""Views of ``efctl expire`` and ``efctl adopt``: text for the terminal, markdown for the pull
requests the drift workflow opens (e-mail addresses and IBANs masked there, as in plan comments).

Both render from the commands' JSON form. An adopted change is shown as what the bank did,
relative to the declaration: the plan's change turned around (the plan would undo it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from efctl.render.orders import change_line
from efctl.render.redact import mask

ACTIONS_TURNED = {"create": "delete", "delete": "create"}
PR_END = (
    "Merging this pull request adopts the change: the next plan shows none for it. Closing it "
    "leaves the declaration as it is, and the next apply reverts the bank's change."
)


def bank_line(plan_change: Mapping[str, Any]) -> str:
    """What the bank did, in one line: the plan's change with its sides swapped."""
    turned = {
        **plan_change,
        "action": ACTIONS_TURNED.get(plan_change["action"], plan_change["action"]),
        "before": plan_change["after"],
        "after": plan_change["before"],
        "notes": [],
    }
    return change_line(turned)


def who(origin: Mapping[str, Any] | None) -> str:
    """``by anna.muster in the web UI at 2026-11-28T07:30:00+00:00 (order WEB-1)``."""
    if origin is None:
        return "at the bank (no order record: drift from the last applied plan)"
    return f"by {origin['maker']} {origin['where']} at {origin['at']} (order {origin['order']})"


def adoption_text(data: Mapping[str, Any]) -> str:
    lines = []
    for client in data["clients"]:
        if not client["adopted"]:
            lines.append(f"{client['client']}: nothing changed at the bank to adopt")
        else:
            lines.append(
                f"{client['client']}: adopted {len(client['adopted'])} change(s) from the bank "
                f"into {client['out']}"
            )
            for item in client["adopted"]:
                lines.append(f"  {bank_line(item['plan_change'])}")
                lines.append(f"      {who(item['origin'])}")
        if client["left"]:
            lines.append(
                f"  {len(client['left'])} change(s) the declaration asks for itself are left to "
                "the plan"
            )
    return "\n".join(lines) + "\n"


def adoption_markdown(client: Mapping[str, Any]) -> str:
    """The body of one relationship's adoption pull request, personal data masked."""
    rows = [
        f"| {_cell(bank_line(item['plan_change']))} | {_cell(who(item['origin']))} |"
        for item in client["adopted"]
    ]
    left = ""
    if client["left"]:
        left = (
            f"\n{len(client['left'])} other change(s) of the plan come from the declaration, "
            "not from the bank; they are not touched here.\n"
        )
    return (
        f"Someone changed relationship {client['client']} ({_cell(client['name'])}) at the bank. "
        f"This pull request adopts it into `{client['file']}` with the smallest edit.\n\n"
        "| changed at the bank | who, where, when |\n|---|---|\n"
        + "\n".join(rows)
        + f"\n{left}\n{PR_END}\n"
    )


def expired_text(data: Mapping[str, Any]) -> str:
    if not data["files"]:
        return f"no entry has expired as of {data['today']}\n"
    done = "deleted from" if data["written"] else "to delete from"
    lines = []
    for file in data["files"]:
        lines.append(f"{file['file']} ({file['client']}): {len(file['expired'])} expired, {done}")
        lines += [f"  {_entry(e)}" for e in file["expired"]]
    if not data["written"]:
        lines.append("`efctl expire --write` deletes them")
    return "\n".join(lines) + "\n"


def expired_markdown(data: Mapping[str, Any]) -> str:
    """The body of the expiry pull request, personal data masked."""
    items = [
        f"- `{file['file']}` ({file['client']}): {_cell(_entry(e))}"
        for file in data["files"]
        for e in file["expired"]
    ]
    return (
        f"These entries expired (their `until` has come, as of {data['today']}): the plan "
        "already removes what they granted. This pull request deletes them from the "
        "declarations, so the files stay true.\n\n" + "\n".join(items) + "\n"
    )


def _entry(expired: Mapping[str, Any]) -> str:
    what = {
        "user": f"user {expired['user']}",
        "single": f"single entry of {expired['user']} on {expired['name']}",
        "api_key": f"API key {expired['name']} of {expired['user']}",
    }[expired["entry"]]
    return f"{what}: expired on {expired['on']}"


def _cell(text: str) -> str:
    return mask(text).replace("|", "\\|")

"""``efctl explain``: one user's effective rights, where each comes from, and what was dropped.

The JSON form is the contract (keys below are stable); the text form is rendered from it, so the
two never disagree.

``explain_json`` returns::

    {"format_version": "1",
     "client": {"id", "name"},
     "user": "anna.muster",
     "language": "de",                      # of the labels
     "rights": [{"contract", "name", "type", "type_label", "profile", "profile_label",
                 "requested", "source", "fallback", "excluded_by"}],   # in contract order
     "dropped": [... same keys, "profile": "none", plus "reason"],
     "notes": ["copy_from x ignored: ..."],   # grants the resolution had to ignore
     "admin": {"right", "label", "at_bank"},  # at_bank: the bank's current right, or null
     "until": [{"entry", "name", "on", "expired"}]}  # time-boxed: the user, its single
                                                     # entries, its API keys (entry api_key)

``source`` is ``{"step": "all"|"copy_from"|"single", "text": ..., "type"}`` for ``all``,
``{"step": "copy_from", "text", "user", "chain", "origin": <the source user's right>}`` for a copy.
"""

from __future__ import annotations

from reconcile.catalog import Catalog
from reconcile.model import ClientState
from reconcile.resolve import ClientResolution, EffectiveRight

FORMAT_VERSION = "1"
COLUMNS = (
    ("contract", "CONTRACT"),
    ("name", "NAME"),
    ("type", "TYPE"),
    ("profile", "PROFILE"),
    ("requested", "REQUESTED"),
    ("source", "SOURCE"),
    ("fallback", "FALLBACK"),
)


def explain_json(
    resolution: ClientResolution,
    user_id: str,
    bank: ClientState,
    catalog: Catalog,
    language: str | None = None,
    until: list[dict] | None = None,
) -> dict:
    """``user_id`` explained as plain data; labels in ``language`` (default: the client's);
    ``until``: the user's time-boxed entries (reconcile.expiry), judged on the plan's day."""
    resolved = resolution.users[user_id]  # the caller checked that USER is declared
    language = language or bank.language
    at_bank = next((u for u in bank.users if u.id == user_id), None)

    def entry(right: EffectiveRight) -> dict:
        contract = bank.contract(right.contract)
        contract_type = contract.type if contract else None
        ctype = catalog.contract_types.get(contract_type or "")
        return {
            "contract": right.contract,
            "name": contract.name if contract else None,
            "type": contract_type,
            "type_label": ctype.labels.get(language, ctype.name) if ctype else None,
            **right.as_dict(),
            "profile_label": catalog.label(right.profile, language),
        }

    return {
        "format_version": FORMAT_VERSION,
        "client": {"id": resolution.client, "name": bank.name},
        "user": user_id,
        "language": language,
        "rights": [entry(right) for right in resolved.rights.values()],
        "dropped": [
            {**entry(right), "reason": right.reason} for right in resolved.dropped.values()
        ],
        "notes": list(resolved.notes),
        "admin": {
            "right": resolved.admin,
            "label": catalog.admin_labels.get(resolved.admin, {}).get(language, resolved.admin),
            "at_bank": at_bank.admin if at_bank else None,
        },
        "until": until or [],
    }


def render_text(data: dict) -> str:
    """The text view of an ``explain_json`` result."""
    client = data["client"]
    lines = [f"user {data['user']} in client relationship {client['id']} ({client['name']})", ""]
    if data["rights"]:
        rows = [[_cell(right, key) for key, _ in COLUMNS] for right in data["rights"]]
        lines.extend(_table([title for _, title in COLUMNS], rows))
    else:
        lines.append("no effective rights")
    if data["dropped"]:
        lines.extend(["", "dropped (resolved to none):"])
        for right in data["dropped"]:
            named = f" {right['name']}" if right["name"] else ""
            lines.append(f"  {right['contract']}{named} ({right['type']}): {right['reason']}")
    if data["notes"]:
        lines.extend(["", "notes:"])
        lines.extend(f"  {note}" for note in data["notes"])
    if data["until"]:
        lines.extend(["", "time-boxed (until):"])
        lines.extend(f"  {_until(entry)}" for entry in data["until"])
    admin = data["admin"]
    now = admin["at_bank"]
    at_bank = f"; at the bank now: {now}" if now is not None and now != admin["right"] else ""
    lines.extend(
        [
            "",
            f"admin: {admin['right']} ({admin['label']}){at_bank}; never copied, changed only "
            "on the bank's paper form",
        ]
    )
    return "\n".join(lines) + "\n"


def _until(entry: dict) -> str:
    """``single on CH93…: expired on 2027-03-31`` / ``user: ends on 2027-03-31``."""
    what = {"user": "the user", "single": f"single on {entry['name']}"}.get(
        entry["entry"], f"API key {entry['name']}"
    )
    state = "expired on" if entry["expired"] else "ends on"
    gone = "; the plan removes what it grants" if entry["expired"] else ""
    return f"{what}: {state} {entry['on']}{gone}"


def _cell(right: dict, key: str) -> str:
    value = right[key]
    if key == "source":
        return value["text"]
    return "-" if value is None else str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]

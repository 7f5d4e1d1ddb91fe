"""The plan as a terminal shows it: Terraform's symbols, grouped by relationship, then by user.

Every view renders from the plan JSON only (ARCHITECTURE.md, "The plan JSON contract"), never
from internal objects, so a saved plan shows exactly as it was planned. The view model here
(:func:`client_views`) is shared with the markdown view, so both describe a change in the same
words. The input is a plan that validates against schemas/plan.schema.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from efctl.render.diagnostics import format_diagnostic
from efctl.render.redact import group_ibans
from reconcile.diagnostics import Diagnostic, Severity
from reconcile.plan import Address

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "manual": "!"}

# The order fields are listed in, and the word before each value ("" when the value speaks for
# itself). Fields the plan may add later follow in alphabetical order, under their own name.
FIELDS = {
    "profile": "",
    "admin": "",
    "name": "",
    "email": "",
    "language": "language",
    "github": "github",
    "user": "user",
    "iso_version": "ISO version",
    "kind": "",
    "contract": "contract",
    "fingerprint": "fingerprint",
    "expires": "expires",
}
FINGERPRINT_SHOWN = len("sha256:") + 12

# Notes the change line already says: "raise: read -> capture" becomes the tag "(raise)";
# "changed: email, language" and "change: a -> b" (profiles a custom catalog dropped) are the
# transitions the line prints.
TAG_NOTES = ("raise", "lower")
FOLDED_NOTES = ("changed", "change")

ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "magenta": "\x1b[35m"}
BOLD, RESET = "\x1b[1m", "\x1b[0m"
SYMBOL_COLOURS = {"+": "green", "~": "yellow", "-": "red", "!": "magenta"}

NO_CHANGES = "No changes. The bank matches the declarations."
MASS_REMOVAL = (
    "Mass removal is allowed for this plan (--allow-mass-removal): the cap on deleting a "
    "relationship's users does not apply. Check every deletion."
)


@dataclass(frozen=True)
class ChangeView:
    """One change in words: ``~ CH56…   read -> capture   (raise)`` and its notes below."""

    action: str
    resource: str
    subject: str  # "user", "admin right", or the contract, delivery or key it is about
    detail: str
    tags: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.action]


@dataclass(frozen=True)
class Group:
    """The changes of one user, or the relationship's deliveries, or its API keys."""

    kind: str  # "user" | "deliveries" | "api_keys"
    user: str | None
    name: str | None  # the user's name, when the plan changes the user itself
    changes: tuple[ChangeView, ...]


@dataclass(frozen=True)
class Counts:
    """Terraform's tally: a replacement counts as one create and one delete."""

    create: int = 0
    change: int = 0
    delete: int = 0
    manual: int = 0

    @classmethod
    def of(cls, actions: Iterable[str]) -> Counts:
        actions = list(actions)
        return cls(
            create=sum(a in ("create", "replace") for a in actions),
            change=actions.count("update"),
            delete=sum(a in ("delete", "replace") for a in actions),
            manual=actions.count("manual"),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.create + other.create,
            self.change + other.change,
            self.delete + other.delete,
            self.manual + other.manual,
        )

    @property
    def total(self) -> int:
        return self.create + self.change + self.delete + self.manual

    def __str__(self) -> str:
        return (
            f"{self.create} to create, {self.change} to change, {self.delete} to delete, "
            f"{self.manual} manual"
        )


@dataclass(frozen=True)
class ClientView:
    client: str
    name: str
    serial: int
    groups: tuple[Group, ...]
    counts: Counts
    rule: str
    eligible_admins: tuple[str, ...]

    def changes(self) -> Iterable[ChangeView]:
        return (change for group in self.groups for change in group.changes)

    @property
    def admin_forms(self) -> int:
        """Admin-right changes: each needs the bank's signed paper form."""
        return sum(c.resource == "admin_right" and c.action == "manual" for c in self.changes())

    @property
    def drifted(self) -> int:
        return sum("drift" in change.tags for change in self.changes())

    @property
    def fallbacks(self) -> int:
        return sum(n.startswith("fallback:") for c in self.changes() for n in c.notes)


def client_views(plan: Mapping[str, Any]) -> list[ClientView]:
    return [client_view(client) for client in plan["clients"]]


def client_view(client: Mapping[str, Any]) -> ClientView:
    """Users in the order the plan first names them, then deliveries, then API keys."""
    users: dict[str, list[ChangeView]] = {}
    names: dict[str, str] = {}
    deliveries: list[ChangeView] = []
    api_keys: list[ChangeView] = []
    for change in client["changes"]:
        address = Address.parse(change["address"])
        view = describe(change, address)
        if address.user is not None:
            users.setdefault(address.user, []).append(view)
            if change["resource"] == "user":
                names[address.user] = (change["after"] or change["before"])["name"]
        elif change["resource"] == "delivery":
            deliveries.append(view)
        else:
            api_keys.append(view)
    groups = [Group("user", user, names.get(user), tuple(views)) for user, views in users.items()]
    groups += [
        Group(kind, None, None, tuple(views))
        for kind, views in (("deliveries", deliveries), ("api_keys", api_keys))
        if views
    ]
    return ClientView(
        client=client["client"],
        name=client["name"],
        serial=client["serial"],
        groups=tuple(groups),
        counts=Counts.of(change["action"] for change in client["changes"]),
        rule=client["approval"]["rule"],
        eligible_admins=tuple(client["approval"]["eligible_admins"]),
    )


def describe(change: Mapping[str, Any], address: Address) -> ChangeView:
    resource, action = change["resource"], change["action"]
    subject = {
        "user": "user",
        "admin_right": "admin right",
        "authorization": address.contract,
        "delivery": address.delivery,
        "api_key": address.key,
    }[resource]
    tags, notes = [], []
    for note in change["notes"]:
        head, colon, _ = note.partition(":")
        if colon and head in TAG_NOTES:
            tags.append(head)
        elif not (colon and head in FOLDED_NOTES):
            notes.append(note)
    if change["drift"]:
        tags.append("drift")
    detail = _detail(action, change["before"] or {}, change["after"] or {})
    return ChangeView(action, resource, subject, detail, tuple(tags), tuple(notes))


def _detail(action: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What is created or deleted, or each field's ``old -> new`` with the unchanged context."""
    if action == "create":
        return _items(after)
    if action == "delete":
        return _items(before)
    changed = [k for k in _ordered(after) if before.get(k) != after[k]]
    named = len(after) > 1  # "email a -> b" among a user's fields; "read -> capture" alone
    moves = ", ".join(
        _labelled(k, f"{_value(k, before.get(k))} -> {_value(k, after[k])}", named) for k in changed
    )
    context = _items({k: v for k, v in before.items() if k not in after})
    return f"{moves} ({context})" if context else moves


def _items(values: Mapping[str, Any]) -> str:
    return ", ".join(
        _labelled(k, _value(k, values[k])) for k in _ordered(values) if values[k] is not None
    )


def _ordered(values: Mapping[str, Any]) -> list[str]:
    known = [k for k in FIELDS if k in values]
    return known + sorted(k for k in values if k not in FIELDS)


def _labelled(key: str, text: str, named: bool = False) -> str:
    label = FIELDS.get(key, key) or (key if named else "")
    return f"{label} {text}" if label else text


def _value(key: str, value: Any) -> str:
    if value is None:
        return "(none)"
    text = str(value)
    if key == "fingerprint" and len(text) > FINGERPRINT_SHOWN:
        return text[:FINGERPRINT_SHOWN] + "…"
    return text


# --- the text view ------------------------------------------------------------------------


def render_text(plan: Mapping[str, Any], *, color: bool) -> str:
    """The plan for a terminal; ANSI colour when ``color`` (the caller weighs tty and NO_COLOR)."""
    paint = _Paint(color)
    lines: list[str] = []
    total = Counts()
    for view in client_views(plan):
        total += view.counts
        if view.counts.total:
            lines += [*_spaced(lines), *_client_lines(view, paint), ""]
        else:
            lines.append(paint.bold(_header(view)) + ": no changes")
    lines += _spaced(lines)
    lines += [diagnostic_text(diagnostic) for diagnostic in plan["diagnostics"]]
    if plan["options"]["allow_mass_removal"]:
        lines.append(paint.warning(MASS_REMOVAL))
    lines.append(f"Plan: {total}." if total.total else NO_CHANGES)
    return "\n".join(lines) + "\n"


def diagnostic_text(diagnostic: Mapping[str, Any]) -> str:
    """A diagnostic of the plan JSON as ``efctl validate`` prints it."""
    d = diagnostic
    severity = Severity(d["severity"])
    return format_diagnostic(
        Diagnostic(d["code"], severity, d["message"], d["hint"], (), d["file"], d["line"], d["col"])
    )


def _spaced(lines: list[str]) -> list[str]:
    """The blank line that separates what follows from ``lines``, if one is missing."""
    return [""] if lines and lines[-1] else []


def _header(view: ClientView) -> str:
    return f"client {view.client} {view.name} (serial {view.serial})"


def _client_lines(view: ClientView, paint: _Paint) -> list[str]:
    lines = [paint.bold(_header(view))]
    width = max(len(group_ibans(change.subject)) for change in view.changes())
    for group in view.groups:
        lines.extend(_group_lines(group, width, paint))
    admins = ", ".join(view.eligible_admins) or "none"
    return [*lines, f"  approval: {view.rule}", f"  eligible admins: {admins}"]


def _group_lines(group: Group, width: int, paint: _Paint) -> list[str]:
    if group.kind == "user":
        title = f"user {group.user}" + (f" ({group.name})" if group.name else "")
    else:
        title = {"deliveries": "deliveries", "api_keys": "API keys"}[group.kind]
    lines = [f"  {title}"]
    for change in group.changes:
        subject = group_ibans(change.subject).ljust(width)
        line = f"  {paint.symbol(change.symbol)} {subject}   {group_ibans(change.detail)}"
        if change.tags:
            line += f"   ({', '.join(change.tags)})"
        lines.append(line.rstrip())
        lines.extend(f"        {group_ibans(note)}" for note in change.notes)
    return lines


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def symbol(self, symbol: str) -> str:
        padded = symbol.rjust(3)
        if not self.color:
            return padded
        return "".join(
            f"{ANSI[SYMBOL_COLOURS[c]]}{c}{RESET}" if c in SYMBOL_COLOURS else c for c in padded
        )

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.color else text

    def warning(self, text: str) -> str:
        return f"{BOLD}{ANSI['red']}{text}{RESET}" if self.color else text

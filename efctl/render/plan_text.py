"""The plan as a terminal shows it: Terraform's symbols, grouped by relationship, then by user.

Every view renders from the plan JSON (ARCHITECTURE.md, "The plan JSON contract"), read back
into the typed plan with ``Plan.from_json``, so a saved plan shows exactly as it was planned.
Notes are shown by their kind, never by reading their text. The view model here
(:func:`client_views`) is shared with the markdown view, so both describe a change in the same
words. The input is a plan that validates against schemas/plan.schema.json.
"""

from __future__ import annotations

import base64
import hashlib
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from efctl.render.diagnostics import format_diagnostic
from efctl.render.redact import IBAN, group_ibans
from reconcile.plan import (
    Action,
    Address,
    Change,
    ClientPlan,
    EligibleAdmin,
    Note,
    NoteKind,
    Plan,
    Resource,
    TierVerdict,
    diagnostic_from_json,
)
from reconcile.tiers import BASE_CHECKERS

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.REPLACE: "-/+",
    Action.MANUAL: "!",
}
DEFAULT_WIDTH = 100  # the terminal's columns when the caller does not say
NOTE_INDENT = " " * 8
NOTE_HANGING = " " * 10  # a note's continuation lines
NO_BREAK = "\u00a0"  # holds a grouped IBAN together while a note is wrapped

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
    "public_key": "",
}
FINGERPRINT_SHOWN = len("sha256:") + 16  # a short fingerprint in full

# Notes the change line already says: a raise or lowering becomes the tag "(raise)"; changed
# fields and a move between profiles the catalog does not rank are the transitions it prints.
TAG_NOTES = (NoteKind.RAISE, NoteKind.LOWER)
FOLDED_NOTES = (NoteKind.FIELDS, NoteKind.UNRANKED)
# Notes a reviewer must not miss carry their kind as a label: "fallback: ...".
LABELLED_NOTES = {
    NoteKind.FALLBACK: "fallback",
    NoteKind.DRIFT: "drift",
    NoteKind.AUTOMATIC_ISO_CHANGE: "automatic ISO version change",
    NoteKind.KEY_ROTATION: "rotation",
}

ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "magenta": "\x1b[35m"}
BOLD, RESET = "\x1b[1m", "\x1b[0m"
SYMBOL_COLOURS = {"+": "green", "~": "yellow", "-": "red", "!": "magenta"}

NO_CHANGES = "No changes. The bank matches the declarations."
MASS_REMOVAL = (
    "Mass removal is allowed for this plan (--allow-mass-removal): the cap on deleting a "
    "relationship's users does not apply. Check every deletion."
)


def selection_lines(options: Mapping[str, Any]) -> list[str]:
    """What part of the declarations a plan covers, when not all of them (plan options)."""
    lines = []
    changed = options.get("changed_since")
    if changed is not None:
        since = f"{changed['ref']} (commit {changed['commit'][:12]})"
        lines.append(
            f"efctl.yaml or the catalog changed since {since}: every relationship is planned."
            if changed["all"]
            else f"Partial plan: only the relationships whose declarations changed since {since}."
        )
    shard = options.get("shard")
    if shard is not None:
        lines.append(
            f"Shard {shard['index']} of {shard['count']}: only this share of the relationships; "
            "efctl show merges the shard plans into the whole plan."
        )
    return lines


def nothing_changed(options: Mapping[str, Any], clients: int) -> str | None:
    """The line of a --changed-since plan that found no declaration changed, else None."""
    changed = options.get("changed_since")
    if changed is None or changed["all"] or clients:
        return None
    return f"no declaration changed since {changed['ref']}: nothing to plan"


@dataclass(frozen=True)
class ChangeView:
    """One change in words: ``~ CH56…   read -> capture   (raise)`` and its notes below."""

    action: Action
    resource: Resource
    subject: str  # "user", "admin right", or the contract, delivery or key it is about
    detail: str
    tags: tuple[str, ...]
    notes: tuple[Note, ...]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.action]

    @property
    def about_a_person(self) -> bool:
        """The user record, its Admin right or signing key, not a right, delivery or API key."""
        return self.resource in (Resource.USER, Resource.ADMIN_RIGHT, Resource.SIGNING_KEY)


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
    def of(cls, actions: Iterable[Action]) -> Counts:
        actions = list(actions)
        return cls(
            create=sum(a in (Action.CREATE, Action.REPLACE) for a in actions),
            change=actions.count(Action.UPDATE),
            delete=sum(a in (Action.DELETE, Action.REPLACE) for a in actions),
            manual=actions.count(Action.MANUAL),
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
    eligible_admins: tuple[str, ...]  # user ids
    reviewers: tuple[EligibleAdmin, ...] = ()  # the same admins, with their GitHub logins
    bank_notes: tuple[Note, ...] = ()  # what the bank changed on its own (automatic ISO change)
    tier: TierVerdict | None = None  # the risk tier that asks for more reviewers, if any

    def changes(self) -> Iterable[ChangeView]:
        return (change for group in self.groups for change in group.changes)

    @property
    def admin_forms(self) -> int:
        """Admin-right changes: each needs the bank's signed paper form."""
        return sum(
            c.resource is Resource.ADMIN_RIGHT and c.action is Action.MANUAL for c in self.changes()
        )

    @property
    def tier_heading(self) -> str:
        """The risk tier in words, "" under none."""
        return tier_heading(self.tier) if self.tier else ""

    @property
    def drifted(self) -> int:
        return sum("drift" in change.tags for change in self.changes())

    @property
    def fallbacks(self) -> int:
        return sum(n.kind is NoteKind.FALLBACK for c in self.changes() for n in c.notes)


def client_views(plan: Plan) -> list[ClientView]:
    as_of = date.fromisoformat(plan.as_of) if plan.as_of else None
    return [client_view(client, as_of) for client in plan.clients]


def client_view(client: ClientPlan, as_of: date | None = None) -> ClientView:
    """Users in the order the plan first names them, then deliveries, then API keys."""
    users: dict[str, list[ChangeView]] = {}
    names: dict[str, str] = {}
    deliveries: list[ChangeView] = []
    api_keys: list[ChangeView] = []
    for change in client.changes:
        address = Address.parse(change.address)
        view = describe(change, address, as_of)
        if address.user is not None:
            users.setdefault(address.user, []).append(view)
            if change.resource is Resource.USER:
                names[address.user] = (change.after or change.before)["name"]
        elif change.resource is Resource.DELIVERY:
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
        client=client.client,
        name=client.name,
        serial=client.serial,
        groups=tuple(groups),
        counts=Counts.of(change.action for change in client.changes),
        rule=client.approval.rule,
        eligible_admins=tuple(admin.user for admin in client.approval.eligible_admins),
        reviewers=client.approval.eligible_admins,
        bank_notes=client.notes,
        tier=client.approval.tier,
    )


def describe(change: Change, address: Address, as_of: date | None = None) -> ChangeView:
    subject = {
        Resource.USER: "user",
        Resource.ADMIN_RIGHT: "admin right",
        Resource.SIGNING_KEY: "signing key",
        Resource.AUTHORIZATION: address.contract,
        Resource.DELIVERY: address.delivery,
        Resource.API_KEY: address.key,
    }[change.resource]
    tags = [note.kind.value for note in change.notes if note.kind in TAG_NOTES]
    notes = [n for n in change.notes if n.kind not in TAG_NOTES and n.kind not in FOLDED_NOTES]
    if change.drift:
        tags.append("drift")
    detail = _detail(change.action, change.before or {}, change.after or {})
    expires = (change.before or {}).get("expires")
    if change.resource is Resource.API_KEY and expires and as_of is not None:
        left = days_left(date.fromisoformat(expires), as_of)
        detail = detail.replace(f"expires {expires}", f"expires {expires} ({left})", 1)
    return ChangeView(change.action, change.resource, subject, detail, tuple(tags), tuple(notes))


def days_left(expires: date, today: date) -> str:
    """``90 days left``, ``1 day left``, ``expired 3 days ago``."""
    days = (expires - today).days
    if days < 0:
        return f"expired {-days} day{'' if days == -1 else 's'} ago"
    return f"{days} day{'' if days == 1 else 's'} left"


def note_label(note: Note) -> str | None:
    """The word a view puts before the note's text, for the kinds a reviewer must not miss."""
    return LABELLED_NOTES.get(note.kind)


def note_text(note: Note) -> str:
    """The note in plain words: ``fallback: sign_individual not allowed on ...``."""
    label = note_label(note)
    return f"{label}: {note.text}" if label else note.text


def _detail(action: Action, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What is created or deleted, or each field's ``old -> new`` with the unchanged context."""
    if action is Action.CREATE:
        return _items(after)
    if action is Action.DELETE:
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
    if key == "public_key":
        return ssh_fingerprint(text)
    return text


def ssh_fingerprint(public_key: str) -> str:
    """``SHA256:… (ssh-ed25519)``, as ``ssh-keygen -lf KEY.pub`` prints it: what a reviewer
    compares with the person's own key, where the key line itself is unreadable."""
    kind, _, rest = public_key.partition(" ")
    blob = base64.b64decode(rest.split(" ")[0] + "==")
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest} ({kind})"


# --- the text view ------------------------------------------------------------------------


def render_text(plan: Mapping[str, Any], *, color: bool, width: int = DEFAULT_WIDTH) -> str:
    """The plan JSON for a terminal ``width`` columns wide (notes are wrapped to it); ANSI colour
    when ``color`` (the caller weighs tty and NO_COLOR)."""
    typed = Plan.from_json(plan)
    paint = _Paint(color)
    views = client_views(typed)
    changes = [change for view in views for change in view.changes()]
    lines = [_legend(changes, paint), ""] if changes else []
    column = max((len(group_ibans(change.subject)) for change in changes), default=0)
    total = Counts()
    for view in views:
        total += view.counts
        if view.counts.total:
            lines += [*_spaced(lines), *_client_lines(view, column, width, paint), ""]
        elif view.bank_notes:  # what the bank did on its own, set apart like changes
            header = paint.bold(_header(view)) + ": no changes"
            lines += [*_spaced(lines), header, *_bank_lines(view, width), ""]
        else:
            lines.append(paint.bold(_header(view)) + ": no changes")
    lines += _spaced(lines)
    lines += [format_diagnostic(diagnostic) for diagnostic in typed.diagnostics]
    if typed.options["allow_mass_removal"]:
        lines.append(paint.warning(MASS_REMOVAL))
    if (nothing := nothing_changed(typed.options, len(typed.clients))) is not None:
        return "\n".join([*lines, nothing]) + "\n"
    lines += selection_lines(typed.options)
    lines.append(f"Plan: {total}." if total.total else NO_CHANGES)
    return "\n".join(lines) + "\n"


def diagnostic_text(diagnostic: Mapping[str, Any]) -> str:
    """A diagnostic of the plan JSON as ``efctl validate`` prints it."""
    return format_diagnostic(diagnostic_from_json(diagnostic))


def _legend(changes: Iterable[ChangeView], paint: _Paint) -> str:
    """The symbols this plan uses, in the order of the actions: ``+ create  ~ update ...``."""
    used = {change.action for change in changes}
    return "  ".join(
        f"{paint.symbol(SYMBOLS[action], pad=False)} {action}"
        for action in Action
        if action in used
    )


def _spaced(lines: list[str]) -> list[str]:
    """The blank line that separates what follows from ``lines``, if one is missing."""
    return [""] if lines and lines[-1] else []


def _header(view: ClientView) -> str:
    return f"client {view.client} {view.name} (serial {view.serial})"


def _client_lines(view: ClientView, column: int, width: int, paint: _Paint) -> list[str]:
    """``column``: the width of the subjects over the whole plan, so that details align."""
    lines = [paint.bold(_header(view)), *_bank_lines(view, width)]
    for group in view.groups:
        lines.extend(_group_lines(group, column, width, paint))
    admins = ", ".join(view.eligible_admins) or "none"
    return [
        *lines,
        f"  approval: {view.rule}",
        *_tier_lines(view.tier, width),
        f"  eligible admins: {admins}",
    ]


def tier_heading(tier: TierVerdict) -> str:
    """``risk tier 2, 2 reviewers who are not the author (1 more than the bank's rule)``."""
    more = tier.checkers - BASE_CHECKERS
    return (
        f"risk tier {tier.tier}, {tier.checkers} reviewers who are not the author "
        f"({more} more than the bank's rule)"
    )


def _tier_lines(tier: TierVerdict | None, width: int) -> list[str]:
    """The tier and each change that put the relationship in it, one wrapped line each."""
    if tier is None:
        return []
    reasons = (f"{reason.rule}: {reason.text}" for reason in tier.reasons)
    return [f"  {tier_heading(tier)}, for:", *(ln for r in reasons for ln in _wrapped(r, width))]


def _bank_lines(view: ClientView, width: int) -> list[str]:
    """What the bank changed on its own, under the relationship's header."""
    return [
        line.replace(NOTE_INDENT, "  ", 1)
        for note in view.bank_notes
        for line in _wrapped(note_text(note), width)
    ]


def _group_lines(group: Group, column: int, width: int, paint: _Paint) -> list[str]:
    if group.kind == "user":
        title = f"user {group.user}" + (f" ({group.name})" if group.name else "")
    else:
        title = {"deliveries": "deliveries", "api_keys": "API keys"}[group.kind]
    lines = [f"  {title}"]
    for change in group.changes:
        subject = group_ibans(change.subject).ljust(column)
        line = f"  {paint.symbol(change.symbol)} {subject}   {group_ibans(change.detail)}"
        if change.tags:
            line += f"   ({', '.join(change.tags)})"
        lines.append(line.rstrip())
        lines.extend(line for note in change.notes for line in _wrapped(note_text(note), width))
    return lines


def _wrapped(text: str, width: int) -> list[str]:
    """A note in lines of at most ``width`` columns, continuations indented under it; a word
    longer than a line (an address, a fingerprint) stays whole, and so does a grouped IBAN."""
    held = IBAN.sub(lambda m: m.group().replace(" ", NO_BREAK), group_ibans(text))
    lines = textwrap.wrap(
        held,
        width=width,
        initial_indent=NOTE_INDENT,
        subsequent_indent=NOTE_HANGING,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(NO_BREAK, " ") for line in lines]


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def symbol(self, symbol: str, *, pad: bool = True) -> str:
        padded = symbol.rjust(3) if pad else symbol
        if not self.color:
            return padded
        return "".join(
            f"{ANSI[SYMBOL_COLOURS[c]]}{c}{RESET}" if c in SYMBOL_COLOURS else c for c in padded
        )

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.color else text

    def warning(self, text: str) -> str:
        return f"{BOLD}{ANSI['red']}{text}{RESET}" if self.color else text

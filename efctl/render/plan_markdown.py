"""The plan as a pull-request comment: a summary table, one collapsible section per relationship.

Rendered from the plan JSON only, with every e-mail address and IBAN masked (the comment leaves
the bank's hands) and every name escaped. GitHub refuses comments over 65,536 characters, so a
long plan becomes several comments that each stand alone (Atlantis splits the same way): each
repeats the title and the callouts, says which part it is, and sums up what it holds. A
relationship too large for one comment is split between its users (or between the changes of
one user), with "(continued)" headings.

The markup lives in efctl/templates/plan.md.j2 as macros; this module renders each fragment once
and packs them by length, so splitting stays linear in the size of the plan.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from efctl.render.diagnostics import format_diagnostic
from efctl.render.plan_text import (
    ClientView,
    Counts,
    client_views,
    note_label,
    nothing_changed,
    selection_lines,
)
from efctl.render.redact import mask, mask_value, sensitive_spans, with_digest
from reconcile.plan import Action, Note, Plan

GITHUB_COMMENT_LIMIT = 65000  # GitHub allows 65,536 characters; keep a margin
SHORT_ID = 12
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
MENTION = re.compile(r"@(?=\w)")
ZERO_WIDTH_SPACE = "\u200b"


class MarkdownLimitError(ValueError):
    """The limit cannot hold even the title and one change."""


def render_markdown(
    plan: Mapping[str, Any], *, limit: int = GITHUB_COMMENT_LIMIT, run_url: str | None = None
) -> list[str]:
    """The plan JSON as one markdown document, or several when one would exceed ``limit``
    characters. Each ends with a footer: the run that planned (``run_url``, from the caller's
    environment), the head commit whose reviews count, and "merge to apply"."""
    typed = Plan.from_json(plan)
    blocks = [_Block(view) for view in client_views(typed)]
    whole = [_Piece.whole(block) for block in blocks]
    foot = _render("foot", _Foot(run_url, typed.commit))
    document = _document(typed, blocks, whole, part=1, parts=1) + foot
    if len(document) <= limit:
        return [document]
    parts = _pack(blocks, limit, _head_reserve(typed, blocks) + len(foot))
    return [
        _document(typed, blocks, pieces, part=number, parts=len(parts)) + foot
        for number, pieces in enumerate(parts, 1)
    ]


@dataclass(frozen=True)
class _Foot:
    run_url: str | None
    commit: str | None


# --- masking and escaping: every value the template prints passes through one of these ------


def inline(text: str) -> Markup:
    """Plain markdown text: masked values as code spans, everything else escaped."""
    return _split(text, plain=_escape_markdown, sensitive=_code_span)


def code(text: Any) -> Markup:
    return Markup(_code_span(mask(str(text))))


def html_text(text: Any) -> Markup:
    """Text inside an HTML tag (``<summary>``), where markdown is not read."""
    return _split(
        str(text), plain=_escape_html, sensitive=lambda v: f"<code>{html.escape(v)}</code>"
    )


def note(change_note: Note, digests: bool = False) -> Markup:
    """A change's note, its kind in bold when a reviewer must not miss it (fallback, drift);
    with ``digests`` for a change that moves values."""
    text = (moved if digests else inline)(change_note.text)
    label = note_label(change_note)
    return Markup(f"**{label}:** {text}") if label else text


def moved(text: str) -> Markup:
    """Text of a change that moves values: each masked value with the digest of the full one,
    so that ``l***@x.ch -> l***@x.ch`` cannot hide a change."""
    return _split(text, plain=_escape_markdown, sensitive=_code_span, masked=with_digest)


def _split(
    text: str,
    *,
    plain: Callable[[str], str],
    sensitive: Callable[[str], str],
    masked: Callable[[str], str] = mask_value,
) -> Markup:
    out, start = [], 0
    for begin, end, value in sensitive_spans(text):
        out += [plain(text[start:begin]), sensitive(masked(value))]
        start = end
    out.append(plain(text[start:]))
    return Markup("".join(out))


def _escape_markdown(text: str) -> str:
    """Markdown and HTML are inert, lines stay whole, and ``@login`` mentions nobody."""
    text = " ".join(text.splitlines())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return MENTION.sub("@" + ZERO_WIDTH_SPACE, text)


def _escape_html(text: str) -> str:
    return MENTION.sub("@" + ZERO_WIDTH_SPACE, html.escape(text))


def _code_span(text: str) -> str:
    text = " ".join(text.splitlines())
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else inline(str(value))


@cache
def _macros() -> Any:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("efctl", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(code=code, html=html_text, note=note, moved=moved)
    return environment.get_template("plan.md.j2").module


def _render(macro: str, *args: Any) -> str:
    # mask() again: a value printed past finalize by mistake is still never shown in full
    return mask(str(getattr(_macros(), macro)(*args)))


# --- documents and parts ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Title:
    plan_id: str
    commit: str | None
    mass_removal: bool
    selection: tuple[str, ...]  # what part of the declarations the plan covers, if not all
    nothing: str | None  # a --changed-since plan that found nothing changed
    diagnostics: tuple[str, ...]
    total: Counts
    all_relationships: int
    part: int = 1
    parts: int = 1
    relationships: int = 0  # in this part
    held: Counts = field(default_factory=Counts)  # the changes this part holds


@dataclass(frozen=True)
class _Row:
    client: str
    name: str
    counts: Counts
    changed: bool  # the relationship has changes, so its approval is needed
    eligible: int
    tier: int | None  # the risk tier, None under none
    checkers: int | None  # reviewers needed who are not the author, under a risk tier
    continued: bool
    continues: bool


def _title(plan: Plan, blocks: Sequence[_Block], **part: Any) -> _Title:
    return _Title(
        plan_id=plan.plan_id.removeprefix("sha256:")[:SHORT_ID],
        commit=(plan.commit or "")[:SHORT_ID] or None,
        mass_removal=plan.options["allow_mass_removal"],
        selection=tuple(selection_lines(plan.options)),
        nothing=nothing_changed(plan.options, len(plan.clients)),
        diagnostics=tuple(format_diagnostic(d) for d in plan.diagnostics),
        total=sum((block.view.counts for block in blocks), Counts()),
        all_relationships=len(blocks),
        **part,
    )


def _document(
    plan: Plan,
    blocks: Sequence[_Block],
    pieces: Sequence[_Piece],
    part: int,
    parts: int,
) -> str:
    held = sum((piece.counts() for piece in pieces), Counts())
    title = _title(plan, blocks, part=part, parts=parts, relationships=len(pieces), held=held)
    rows = "".join(_render("row", piece.row()) for piece in pieces)
    body = "".join(piece.text() for piece in pieces)
    return (_render("head", title) + rows + "\n" + body).rstrip("\n") + "\n"


def _head_reserve(plan: Plan, blocks: Sequence[_Block]) -> int:
    """The longest title any part can have: every number at its largest possible value."""
    most_parts = sum(block.view.counts.total for block in blocks) + len(blocks)
    total = sum((block.view.counts for block in blocks), Counts())
    title = _title(
        plan, blocks, part=most_parts, parts=most_parts, relationships=len(blocks), held=total
    )
    return len(_render("head", title)) + len("\n")


def _pack(blocks: Sequence[_Block], limit: int, reserve: int) -> list[list[_Piece]]:
    """Relationships into parts in order; one too large for a part is split into its own parts."""
    if reserve >= limit:
        raise MarkdownLimitError(f"a markdown limit of {limit} characters cannot hold the title")
    parts: list[list[_Piece]] = []
    current: list[_Piece] = []
    used = reserve
    for block in blocks:
        row = block.row_reserve()
        piece = _Piece.whole(block)
        size = row + len(piece.text())
        if current and used + size > limit:
            parts.append(current)
            current, used = [], reserve
        if used + size <= limit:
            current.append(piece)
            used += size
            continue
        *alone, rest = block.split(limit - reserve - row)
        parts += [[alone_piece] for alone_piece in alone]
        current, used = [rest], reserve + row + len(rest.text())
    return [*parts, current] if current else parts


# --- the fragments of one relationship, rendered once ----------------------------------------


class _Block:
    """A relationship's markdown fragments: opening, group headings, changes, closing."""

    def __init__(self, view: ClientView):
        self.view = view
        self.opening = {first: _render("client_open", view, not first) for first in (True, False)}
        self.closing = {last: _render("client_close", view, last) for last in (True, False)}
        # per group: its heading (first, or continued in a later part), then each change
        self.headings = [
            {c: _render("group_open", group, c) for c in (False, True)} for group in view.groups
        ]
        self.changes = [[_render("change", c) for c in group.changes] for group in view.groups]

    def row_reserve(self) -> int:
        """The longest summary row this relationship can have in any part."""
        widest = _Piece(self, first=False)
        return len(_render("row", replace(widest.row(), counts=self.view.counts)))

    def split(self, budget: int) -> list[_Piece]:
        """Pieces of at most ``budget`` characters in plan order, cut between users where a
        user fits in a piece, else between that user's changes."""
        closing = max(map(len, self.closing.values()))
        pieces: list[_Piece] = []
        current = _Piece(self, first=True)
        for group, texts in enumerate(self.changes):
            whole_group = len(self.headings[group][False]) + sum(map(len, texts))
            fresh = len(self.opening[False]) + whole_group + closing <= budget
            if current.texts and current.size + whole_group + closing > budget and fresh:
                pieces.append(current)
                current = _Piece(self, first=False)
            for position in range(len(texts)):
                cost = current.cost(group, position)
                if current.texts and current.size + cost + closing > budget:
                    pieces.append(current)
                    current = _Piece(self, first=False)
                    cost = current.cost(group, position)
                if current.size + cost + closing > budget:
                    raise MarkdownLimitError(
                        f"a markdown limit of {budget} characters per relationship is too small "
                        f"for one change of client {self.view.client}"
                    )
                current.add(group, position)
        current.last = True
        return [*pieces, current]


class _Piece:
    """Consecutive changes of one relationship, with the headings they need."""

    def __init__(self, block: _Block, *, first: bool):
        self.block = block
        self.first = first
        self.last = False
        self.opened: set[int] = set()
        self.texts: list[str] = []
        self.actions: list[Action] = []
        self.size = len(block.opening[first])  # without the closing

    @classmethod
    def whole(cls, block: _Block) -> _Piece:
        piece = cls(block, first=True)
        for group, texts in enumerate(block.changes):
            for position in range(len(texts)):
                piece.add(group, position)
        piece.last = True
        return piece

    def cost(self, group: int, position: int) -> int:
        """The characters a change adds, with its group's heading when this piece lacks it."""
        heading = 0 if group in self.opened else len(self.block.headings[group][position > 0])
        return heading + len(self.block.changes[group][position])

    def add(self, group: int, position: int) -> None:
        self.size += self.cost(group, position)
        if group not in self.opened:
            self.opened.add(group)
            self.texts.append(self.block.headings[group][position > 0])
        self.texts.append(self.block.changes[group][position])
        self.actions.append(self.block.view.groups[group].changes[position].action)

    def counts(self) -> Counts:
        return Counts.of(self.actions)

    def row(self) -> _Row:
        view = self.block.view
        return _Row(
            client=view.client,
            name=view.name,
            counts=self.counts(),
            changed=bool(view.counts.total),
            eligible=len(view.eligible_admins),
            tier=view.tier.tier if view.tier else None,
            checkers=view.tier.checkers if view.tier else None,
            continued=not self.first,
            continues=not self.last,
        )

    def text(self) -> str:
        block = self.block
        return block.opening[self.first] + "".join(self.texts) + block.closing[self.last]

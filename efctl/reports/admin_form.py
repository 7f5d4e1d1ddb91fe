"""The form "assignment/change of the electronic Admin right", pre-filled for signature.

The bank changes an Admin right only on this signed paper form (DOMAIN.md section 5), so apply
never orders it: it writes one form per relationship with Admin-right changes, to be signed by
the relationship's signatories, and the change stays in every later plan until the bank shows it.

The form is the customer's request to the bank: it names the plan and the order it comes from,
says how many signatures the relationship's signing rule needs, and keeps every user id whole
(the id column is as wide as the longest id). It is PDF/A-2u, for the bank's archive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from efctl.errors import EfctlError
from efctl.files import write_file
from efctl.reports.document import FONT, LINE, PDFA, Document
from efctl.reports.texts import texts_for
from reconcile.apply import ClientResult
from reconcile.backend import Backend
from reconcile.catalog import Catalog
from reconcile.model import AdminRight, ClientState, Signatory
from reconcile.plan import Action, Address, Change, Resource

FORM_FILE = "admin-right-form-{client}.pdf"
TABLE_WIDTHS = (38, 28, 52, 52)  # mm: name, user id, current, requested (the A4 text width)
TABLE_SIZE = 10  # pt, the table's font size
NARROWEST = 24  # mm: a column the user-id column widens into keeps at least this much
ID_ROOM = 2.5  # mm beyond an id's printed width: the cell's padding on both sides, and a margin
SMALLEST = 6  # pt: a field's value (a plan id) is set smaller down to this to stay on one line
SIGNATURE_SPACE = 14  # mm above the line to sign on
SIGNATURE_GAP = 10  # mm between the place-and-date line and the signature line
BLANK_SIGNATORIES = 2  # signature fields when the bank holds no signatory


@dataclass(frozen=True)
class AdminRequest:
    """One user's line on the form; rights as the catalog labels them in the form's language."""

    user: str
    name: str
    current: str
    requested: str


def admin_requests(
    state: ClientState,
    changes: Sequence[Change],
    catalog: Catalog,
    language: str,
    names: Mapping[str, str] | None = None,
) -> list[AdminRequest]:
    """The Admin-right changes among ``changes``, in their order.

    A user the bank does not hold yet (created by an order still pending) is named from
    ``names``, else by the user id.
    """
    held = {user.id: user.name for user in state.users}
    requests = []
    for change in changes:
        if change.resource is not Resource.ADMIN_RIGHT or change.action is not Action.MANUAL:
            continue
        user = Address.parse(change.address).user
        requests.append(
            AdminRequest(
                user=user,
                name=held.get(user) or (names or {}).get(user) or user,
                current=_admin_label(catalog, _right(change.before), language),
                requested=_admin_label(catalog, _right(change.after), language),
            )
        )
    return requests


def admin_form_pdf(
    state: ClientState,
    changes: Sequence[Change],
    catalog: Catalog,
    language: str,
    today: date,
    *,
    names: Mapping[str, str] | None = None,
    plan_id: str | None = None,
    order_id: str | None = None,
) -> bytes:
    """The form for every Admin-right change among ``changes`` (other changes are ignored),
    naming the plan (``plan_id``) and the relationship's order of that plan (``order_id``;
    None: the plan ordered nothing electronic there)."""
    requests = admin_requests(state, changes, catalog, language, names)
    if not requests:
        raise ValueError(f"no Admin-right change for relationship {state.id} to put on a form")
    words = texts_for(language)
    form = words["admin_form"]
    pdf = Document(
        form["title"],
        language,
        today,
        words,
        compliance=PDFA,
        subject=form["subject"].format(client=state.id),
    )
    pdf.add_page()
    pdf.heading(form["title"])
    pdf.ln(LINE)
    pdf.field(form["relationship"], f"{state.id} – {state.name}")
    pdf.field(form["date"], today.strftime(words["date_format"]))
    if plan_id is not None:
        _whole_field(pdf, form["plan"], plan_id)
        _whole_field(pdf, form["order"], order_id or form["no_order"])
    pdf.ln(LINE)
    pdf.paragraph(form["intro"])
    pdf.ln(LINE)
    pdf.set_font(FONT, "", TABLE_SIZE)
    widths = _column_widths(pdf, [request.user for request in requests] + [form["user_id"]])
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",
        line_height=LINE + 1,
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        table.row((form["name"], form["user_id"], form["current"], form["requested"]))
        for request in requests:
            table.row((request.name, request.user, request.current, request.requested))
    pdf.ln(LINE)
    pdf.paragraph(form["note"], size=9)
    pdf.ln(LINE)
    pdf.heading(form["signatures"], size=12)
    pdf.paragraph(form["signing_rule"][signing_rule(state.signatories)], size=9)
    signatories = state.signatories or (Signatory("", ""),) * BLANK_SIGNATORIES
    for signatory in signatories:
        _signature_field(pdf, signatory, words, form)
    return bytes(pdf.output())


def signing_rule(signatories: Sequence[Signatory]) -> str:
    """How many sign, from the signatories the bank holds: one with individual signature (and,
    where some sign collectively, or two together), two with collective signature, or unknown
    (the bank holds no signatory)."""
    kinds = {signatory.signature for signatory in signatories}
    if "individual" in kinds:
        return "individual_or_two" if "collective" in kinds else "individual"
    return "two_collective" if "collective" in kinds else "unknown"


def write_admin_forms(
    results: Sequence[ClientResult],
    bank: Backend,
    catalog: Catalog,
    today: date,
    out_dir: Path,
    *,
    plan_id: str | None = None,
) -> list[Path]:
    """After apply of plan ``plan_id``: one form per relationship whose manual changes include
    an Admin right, written to ``out_dir`` as admin-right-form-<client>.pdf, in the
    relationship's language and dated ``today``, naming the plan and the relationship's
    order."""
    written = []
    for result in results:
        if not any(c.resource is Resource.ADMIN_RIGHT for c in result.manual):
            continue
        state = bank.read_client(result.client)
        if state is None:
            raise EfctlError(f"there is no client relationship {result.client} at the bank")
        pdf = admin_form_pdf(
            state,
            result.manual,
            catalog,
            state.language,
            today,
            names=_pending_user_names(bank, result.client),
            plan_id=plan_id,
            order_id=result.order_id,
        )
        path = out_dir / FORM_FILE.format(client=result.client)
        write_file(path, pdf)
        written.append(path)
    return written


def _right(side: Mapping[str, Any] | None) -> AdminRight:
    """The Admin right on one side of a change; no side (a user yet to be created) holds none."""
    return AdminRight((side or {}).get("admin", AdminRight.NONE))


def _admin_label(catalog: Catalog, right: AdminRight, language: str) -> str:
    return catalog.admin_labels.get(right, {}).get(language, right)


def _pending_user_names(bank, client: str) -> dict[str, str]:
    """Names of users that pending orders create: the form may name them before the bank does."""
    return {
        Address.parse(change.address).user: change.after["name"]
        for pending in bank.pending_orders(client)
        for change in pending.order.changes
        if change.resource is Resource.USER and change.action is Action.CREATE
    }


def _column_widths(pdf: Document, ids: Sequence[str]) -> tuple[float, ...]:
    """The table's columns, the user-id one widened to the longest id (in the current font),
    taken from the other columns down to NARROWEST each: a cell wraps at spaces only and
    breaks a word longer than itself, so an id never gets a line break this way."""
    name, user, current, requested = TABLE_WIDTHS
    need = max(pdf.get_string_width(text) for text in ids) + ID_ROOM
    extra = max(0.0, need - user)
    others = [name, current, requested]
    spare = sum(width - NARROWEST for width in others)
    if extra > spare:
        raise ValueError(f"a user id is too long for the form's table ({need:.0f} mm)")
    shrunk = [width - extra * (width - NARROWEST) / spare for width in others]
    return (shrunk[0], user + extra, shrunk[1], shrunk[2])


def _whole_field(pdf: Document, label: str, value: str) -> None:
    """``label: value`` on one line, the value set smaller where it would not fit: an id (a
    plan's sha256) is never broken across lines."""
    pdf.set_font(FONT, "B", 10)
    label_width = pdf.get_string_width(label + ": ") + 1
    size = 10.0
    pdf.set_font(FONT, "", size)
    while size > SMALLEST and pdf.get_string_width(value) > pdf.epw - label_width:
        size -= 0.5
        pdf.set_font(FONT, "", size)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(label_width, LINE + 1, label + ":")
    pdf.set_font(FONT, "", size)
    pdf.cell(0, LINE + 1, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)


def _signature_field(pdf: Document, signatory: Signatory, words, form) -> None:
    """The signatory's name and signature type, then a line for place and date and one to sign."""
    height = 2 * LINE + SIGNATURE_SPACE + 2 * LINE
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.ln(LINE)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, LINE, signatory.name or f"{form['name']}:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0,
        LINE,
        words["signature_types"].get(signatory.signature, ""),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    width = (pdf.epw - SIGNATURE_GAP) / 2
    y = pdf.get_y() + SIGNATURE_SPACE
    for column, label in enumerate((form["place_date"], form["signature"])):
        x = pdf.l_margin + column * (width + SIGNATURE_GAP)
        pdf.line(x, y, x + width, y)
        pdf.set_xy(x, y + 1)
        pdf.cell(width, LINE, label)
    pdf.set_xy(pdf.l_margin, y + 1 + LINE)
    pdf.set_font(FONT, "", 10)

"""The two customer documents as PDF/A-2u: the authorisation report and the deliveries report.

Every page carries a header (the report, the relationship's number and name, the as-of moment)
and a footer (page X of Y, the SHA-256 of the report's data, the bank serial). Tables repeat
their header row on top of every page; a cell wraps at spaces only, and each column is at least
as wide as its longest id (user ids, IBANs grouped by four with no-break spaces, delivery ids),
so no id is ever broken.

The tables are drawn here rather than with fpdf2's ``table()`` (which has ``repeat_headings``):
that one lays every cell out twice through ``multi_cell`` and took 27 s for 4,000 rights; these
rows wrap with cached word widths and print each line once with ``text()`` (1.8 s for the same
report). Every word comes from texts.yaml and the catalog's labels, in the report's language;
dates and numbers from CLDR (efctl.reports.formats).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf.enums import XPos, YPos

from efctl.reports import formats
from efctl.reports.content import AUTHORIZATIONS, Report
from efctl.reports.document import FONT, LINE, MARGIN, PDFA, Document
from efctl.reports.texts import texts_for
from reconcile.catalog import Catalog

TABLE_SIZE = 8  # pt
TABLE_LINE = 3.8  # mm per line of a table cell
PAD_X, PAD_Y = 1.0, 0.8  # mm: a cell's padding
CELL_ROOM = 2 * PAD_X + 0.6  # mm beyond a token's width: the cell's padding, and a margin
NBSP = "\u00a0"
IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
HEADER_TOP = 10  # mm from the top of the page
BODY_TOP = 31  # mm: where the body starts under the header


def shown_id(contract: str) -> str:
    """An IBAN in groups of four, joined by no-break spaces (printed and extracted as spaces,
    never broken); any other id as it is."""
    if not IBAN.match(contract):
        return contract
    return NBSP.join(contract[i : i + 4] for i in range(0, len(contract), 4))


class ReportDocument(Document):
    """An A4 page with the report's header and footer on every page."""

    def __init__(self, report: Report, words: Mapping[str, Any], *, landscape: bool):
        texts = words["report"]
        own = texts[report.kind]
        super().__init__(
            own["title"],
            report.language,
            report.as_of.moment,
            words,
            compliance=PDFA,
            subject=own["subject"].format(client=report.client),
            orientation="landscape" if landscape else "portrait",
        )
        self.report = report
        self.texts = texts
        self.set_fill_color(235)
        self._headings: tuple[str, ...] = ()
        self._widths: dict[tuple[str, float, str], float] = {}
        self.set_margins(MARGIN, BODY_TOP, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)

    def header(self) -> None:
        report, texts = self.report, self.texts
        self.set_xy(MARGIN, HEADER_TOP)
        self.set_font(FONT, "B", 13)
        self.cell(self.epw * 0.6, 7, texts[report.kind]["title"])
        as_of = formats.moment(
            report.as_of.moment, report.language, with_time=report.as_of.with_time
        )
        self.set_font(FONT, "", 9)
        self.cell(self.epw * 0.4, 7, f"{texts['as_of']}: {as_of}", align="R")
        self.set_xy(MARGIN, HEADER_TOP + 7)
        self.set_font(FONT, "", 10)
        self.cell(0, LINE, f"{texts['relationship']} {report.client} – {report.name}")
        if report.plan_id:
            self.set_xy(MARGIN, HEADER_TOP + 7 + LINE)
            self.set_font(FONT, "", 7)
            self.cell(0, 4, texts["from_plan"].format(plan=report.plan_id))
        self.set_draw_color(160)
        self.line(MARGIN, BODY_TOP - 3, self.w - MARGIN, BODY_TOP - 3)
        self.set_draw_color(0)
        self.set_xy(MARGIN, BODY_TOP)
        self.set_font(FONT, "", 10)

    def footer(self) -> None:
        """The bank serial and page X of Y, then the data's SHA-256 on a line of its own."""
        report, texts = self.report, self.texts
        y = self.h - MARGIN + 3
        self.set_draw_color(160)
        self.line(MARGIN, y - 1, self.w - MARGIN, y - 1)
        self.set_draw_color(0)
        self.set_xy(MARGIN, y)
        self.set_font(FONT, "", 8)
        serial = f"{texts['serial']} {formats.number(report.serial, report.language)}"
        self.cell(self.epw / 2, 4, serial)
        page = texts["page_of"].format(page=self.page_no(), pages="{nb}")
        self.cell(self.epw / 2, 4, page, align="R")
        self.set_xy(MARGIN, y + 4)
        self.set_font(FONT, "", 6.5)
        self.cell(self.epw, 3.5, f"{texts['digest']}: {report.digest}")

    def section(self, title: str) -> None:
        if self.will_page_break(4 * LINE):
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.cell(0, LINE + 1, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, "", 10)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]], weights) -> None:
        """A table with ``headings`` repeated on top of every page, its columns fitted to its
        ids, each row kept whole on one page."""
        if not rows:
            self.paragraph(self.texts["none"], size=9)
            return
        self.set_font(FONT, "", TABLE_SIZE)
        widths = fitted_widths(self, headings, rows, weights, self.epw)
        self._grid_row(headings, widths, heading=True)
        for row in rows:
            self._grid_row(row, widths)
        self.set_font(FONT, "", 10)

    def _grid_row(self, row: Sequence[str], widths: Sequence[float], *, heading=False) -> None:
        self.set_font(FONT, "B" if heading else "", TABLE_SIZE)
        cells = [
            self._wrapped(text, width - 2 * PAD_X) for text, width in zip(row, widths, strict=True)
        ]
        height = max(len(lines) for lines in cells) * TABLE_LINE + 2 * PAD_Y
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
            if not heading:
                self._grid_row(self._headings, widths, heading=True)
                self.set_font(FONT, "", TABLE_SIZE)
        if heading:
            self._headings = tuple(row)
        y, x = self.get_y(), self.l_margin
        for lines, width in zip(cells, widths, strict=True):
            self.rect(x, y, width, height, style="DF" if heading else "D")
            for number, line in enumerate(lines):  # text(): a sixth of cell()'s time
                baseline = y + PAD_Y + (number + 0.5) * TABLE_LINE + 0.3 * self.font_size
                self.text(x + PAD_X, baseline, line.replace(NBSP, " "))
            x += width
        self.set_xy(self.l_margin, y + height)

    def _wrapped(self, text: str, width: float) -> list[str]:
        """``text`` in lines of at most ``width``, broken at spaces (and its own line breaks)
        only: a no-break space keeps an IBAN's groups together."""
        lines = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and self._width(candidate) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def _width(self, text: str) -> float:
        key = (self.font_style, self.font_size_pt, text)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(text)
        return self._widths[key]


def fitted_widths(
    pdf: Document,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    weights: Sequence[float],
    total: float,
) -> list[float]:
    """Column widths summing to ``total``: each at least its longest unbreakable token (a word,
    an id, an IBAN of no-break-spaced groups) plus padding, what is left shared by ``weights``.

    Where even the tokens do not fit, the widths are scaled down to ``total`` (a token may then
    break: that needs a narrower id than any bank issues)."""
    need = [0.0] * len(headings)
    widest: dict[str, float] = {}

    def width(token: str) -> float:
        if token not in widest:
            widest[token] = pdf.get_string_width(token)
        return widest[token]

    for row in rows:
        for column, text in enumerate(row):
            for token in re.split(r"[ \n]+", text):
                need[column] = max(need[column], width(token))
    pdf.set_font(FONT, "B", TABLE_SIZE)
    for column, heading in enumerate(headings):
        need[column] = max(need[column], *(width(t) for t in heading.split()))
    pdf.set_font(FONT, "", TABLE_SIZE)
    need = [n + CELL_ROOM for n in need]
    spare = total - sum(need)
    if spare <= 0:
        return [n * total / sum(need) for n in need]
    share = sum(weights)
    return [n + spare * w / share for n, w in zip(need, weights, strict=True)]


def report_pdf(report: Report, catalog: Catalog) -> bytes:
    """The report as PDF/A-2u bytes: the same report gives the same bytes."""
    words = texts_for(report.language)
    if report.kind == AUTHORIZATIONS:
        return _authorizations(report, catalog, words)
    return _deliveries(report, catalog, words)


def _authorizations(report: Report, catalog: Catalog, words: Mapping[str, Any]) -> bytes:
    planned = report.plan_id is not None
    pdf = ReportDocument(report, words, landscape=planned)
    texts, columns, language = pdf.texts, pdf.texts["columns"], report.language
    signature_types = words["signature_types"]
    pdf.add_page()
    pdf.section(texts["authorizations"]["signatories"])
    pdf.grid(
        (columns["name"], columns["signature"]),
        [(s.name, signature_types.get(s.signature, s.signature)) for s in report.signatories],
        (3, 2),
    )
    pdf.section(texts["authorizations"]["admins"])
    admin_headings = [columns["name"], columns["user"], columns["admin"]]
    if planned:
        admin_headings.append(columns["change"])
    admin_rows = []
    for admin in report.admins:
        row = [admin.name, admin.user, _admin_label(catalog, admin.admin, language)]
        if planned:
            requested = _admin_label(catalog, admin.requested, language) if admin.requested else ""
            row.append(texts["changes"]["admin_form"].format(requested=requested) * bool(requested))
        admin_rows.append(row)
    pdf.grid(admin_headings, admin_rows, (3, 2, 3, 3)[: len(admin_headings)])
    pdf.section(texts["authorizations"]["rights"])
    pdf.paragraph(
        texts["count"].format(
            users=formats.number(report.users, language),
            rights=formats.number(len(report.rights), language),
        ),
        size=8,
    )
    headings = [columns["user"], columns["contract"], columns["contract_type"], columns["profile"]]
    weights = [3, 3, 2, 2]
    if planned:
        headings += [columns["origin"], columns["change"]]
        weights += [3, 2]
    rows = []
    for right in report.rights:
        row = [
            f"{right.user_name}\n{right.user}",
            f"{right.contract_name}\n{shown_id(right.contract)}".strip(),
            _type_label(catalog, right.contract_type, language),
            catalog.label(right.profile, language),
        ]
        if planned:
            row += [
                _origin_text(right.origin, texts, catalog, language),
                _change_text(right, texts, catalog, language),
            ]
        rows.append(row)
    pdf.grid(headings, rows, weights)
    return bytes(pdf.output())


def _deliveries(report: Report, catalog: Catalog, words: Mapping[str, Any]) -> bytes:
    planned = report.plan_id is not None
    pdf = ReportDocument(report, words, landscape=planned)
    texts, columns, language = pdf.texts, pdf.texts["columns"], report.language
    pdf.add_page()
    pdf.section(texts["deliveries"]["active"])
    headings = [
        columns["delivery"],
        columns["contract"],
        columns["kind"],
        columns["channel"],
        columns["frequency"],
        columns["message"],
    ]
    weights = [1, 3, 2, 1, 1, 4]
    if planned:
        headings.append(columns["change"])
        weights.append(2)
    rows = []
    for delivery in report.deliveries:
        kind = texts["delivery_kinds"].get(delivery.kind, delivery.kind)
        if delivery.variant:
            kind += f" ({texts['variants'].get(delivery.variant, delivery.variant)})"
        message = delivery.message or texts["no_iso"]
        if delivery.automatic_change:
            message += " *"
        if delivery.switched_on is not None:
            message += "\n" + texts["switched"].format(
                date=formats.day(delivery.switched_on, language), before=delivery.switched_from
            )
        row = [
            delivery.id,
            f"{delivery.contract_name}\n{shown_id(delivery.contract)}".strip(),
            kind,
            texts["channels"].get(delivery.channel, delivery.channel),
            texts["frequencies"].get(delivery.frequency, delivery.frequency),
            message,
        ]
        if planned:
            row.append(
                texts["changes"]["iso"].format(before=delivery.before) if delivery.before else ""
            )
        rows.append(row)
    pdf.grid(headings, rows, weights)
    if any(delivery.automatic_change for delivery in report.deliveries):
        successor = catalog.iso_versions.get(report.successor or "")
        pdf.ln(2)
        pdf.paragraph(
            texts["automatic_change"].format(
                date=formats.day(report.parallel_phase_end, language),
                version=report.successor,
                message=successor.camt if successor else "",
            ),
            size=8,
        )
    return bytes(pdf.output())


def _admin_label(catalog: Catalog, right: str, language: str) -> str:
    return catalog.admin_labels.get(right, {}).get(language, right)


def _type_label(catalog: Catalog, contract_type: str, language: str) -> str:
    known = catalog.contract_types.get(contract_type)
    return known.labels.get(language, contract_type) if known else contract_type


def _origin_text(origin, texts, catalog: Catalog, language: str) -> str:
    if origin is None:
        return ""
    origins = texts["origins"]
    if origin.step == "all":
        text = (
            origins["all_other"]
            if origin.key == "*"
            else origins["all"].format(type=_type_label(catalog, origin.key or "", language))
        )
    elif origin.step == "copy_from":
        text = origins["copy_from"].format(user=origin.key)
    else:
        text = origins["single"]
    if origin.fallback_from:
        text += "; " + origins["fallback"].format(
            requested=catalog.label(origin.fallback_from, language)
        )
    return text


def _change_text(right, texts, catalog: Catalog, language: str) -> str:
    change = right.change
    if change is None:
        return ""
    changes = texts["changes"]
    if change.action == "update":
        return changes["update"].format(before=catalog.label(change.before or "", language))
    return changes.get(change.action, change.action)

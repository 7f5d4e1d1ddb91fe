"""The page every efctl PDF is printed on: A4, a Unicode font, numbered pages, fixed metadata.

The font is Roboto Regular and Bold (Apache-2.0, efctl/reports/fonts/ with its LICENSE), shipped
as package data and embedded (subset) in every PDF, so that names in Latin, Greek and Cyrillic
script (Gisèle Bärtschi, Łukasz, Ελένη, Пётр) print on any machine without system fonts. The
creation date is the moment the document is for, so the same input gives the same bytes.

A document for the bank's files is PDF/A-2u (``compliance``): fpdf2 then embeds the sRGB output
intent, writes the metadata as XMP only and refuses what PDF/A forbids (base fonts,
encryption). Its XMP is written here, dated like the document, because fpdf2's own stamps the
moment of output and would make every run's bytes differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from fpdf import FPDF
from fpdf.enums import DocumentCompliance, XPos, YPos

FONT = "Roboto"
MARGIN = 20  # mm
LINE = 5  # mm, the height of a line of body text


def _font_file(style: str) -> str:
    return str(resources.files("efctl.reports") / "fonts" / f"Roboto-{style}.ttf")


PDFA = DocumentCompliance.PDFA_2U  # for the bank's archive; U: every glyph maps to Unicode
CREATOR = "efctl"


class Document(FPDF):
    def __init__(
        self,
        title: str,
        language: str,
        today: date | datetime,
        texts: Mapping[str, Any],
        *,
        compliance: DocumentCompliance | None = None,
        subject: str | None = None,
        orientation: str = "portrait",
    ):
        super().__init__(orientation=orientation, format="A4", enforce_compliance=compliance)
        self._page_word = texts["page"]
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FONT, "", _font_file("Regular"))
        self.add_font(FONT, "B", _font_file("Bold"))
        self.set_title(title)
        self.set_lang(language)
        self.set_creator(CREATOR)
        self.set_producer(CREATOR)
        if subject:
            self.set_subject(subject)
        created = (
            today.astimezone(UTC).replace(microsecond=0)
            if isinstance(today, datetime)
            else datetime.combine(today, time(), UTC)
        )
        self.set_creation_date(created)
        if compliance is not None:
            self.xmp_metadata = _xmp(compliance, title, subject, language, created)

    def footer(self) -> None:
        self.set_y(-MARGIN + LINE)
        self.set_font(FONT, "", 8)
        self.cell(0, LINE, f"{self._page_word} {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)

    def field(self, label: str, value: str) -> None:
        """``label: value`` on one line, the label in bold."""
        self.set_font(FONT, "B", 10)
        self.cell(self.get_string_width(label + ": ") + 1, LINE + 1, label + ":")
        self.set_font(FONT, "", 10)
        self.cell(0, LINE + 1, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _xmp(
    compliance: DocumentCompliance,
    title: str,
    subject: str | None,
    language: str,
    created: datetime,
) -> str:
    """The document's XMP metadata: what PDF/A reads instead of the document info."""
    moment = created.isoformat(timespec="seconds")
    description = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li>'
        "</rdf:Alt></dc:description>"
        if subject
        else ""
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        f' xmp:CreatorTool="{CREATOR}" xmp:CreateDate="{moment}" xmp:ModifyDate="{moment}"'
        f' xmp:MetadataDate="{moment}" pdf:Producer="{CREATOR}"'
        f' pdfaid:part="{compliance.part}" pdfaid:conformance="{compliance.conformance}">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt>'
        "</dc:title>"
        f"{description}"
        f"<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>"
        "<dc:format>application/pdf</dc:format>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )

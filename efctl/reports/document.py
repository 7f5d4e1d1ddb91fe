"""The page every efctl PDF is printed on: A4, a Unicode font, numbered pages, fixed metadata.

The font is Roboto from the font-roboto package on PyPI (Apache-2.0), embedded so that names
like Gisèle Bärtschi print on any machine without system fonts. The creation date is the day
the document is for, so the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from importlib import resources
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Roboto"
MARGIN = 20  # mm
LINE = 5  # mm, the height of a line of body text


def _font_file(style: str) -> str:
    return str(resources.files("font_roboto") / "files" / f"Roboto-{style}.ttf")


class Document(FPDF):
    def __init__(self, title: str, language: str, today: date, texts: Mapping[str, Any]):
        super().__init__(format="A4")
        self._page_word = texts["page"]
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FONT, "", _font_file("Regular"))
        self.add_font(FONT, "B", _font_file("Bold"))
        self.set_title(title)
        self.set_lang(language)
        self.set_creator("efctl")
        self.set_creation_date(datetime.combine(today, time(), UTC))

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

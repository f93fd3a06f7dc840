"""A saved prescriber update as a real PDF, made on the server with fpdf2.

fpdf2 is pure Python (no system libraries to install, unlike HTML-to-PDF engines), well kept
and pinned in requirements.txt. The text is set in DejaVu Sans (Debian's fonts-dejavu-core,
which ``make system-packages`` installs), which has the arrows and marks the comparisons and
severities use; without it the PDF falls back to a core font and plain signs."""
from pathlib import Path

from fpdf import FPDF

from tend.care.update_document import Document

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
# For the core font (Latin-1 only): the same meaning in signs it has.
PLAIN_SIGNS = str.maketrans({"↑": "+", "↓": "-", "→": "=", "■": "#", "□": "-", "–": "-",
                             "’": "'", "“": '"', "”": '"', "…": "..."})


class _UpdatePdf(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.unicode = REGULAR.exists() and BOLD.exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(REGULAR))
            self.add_font("DejaVu", "B", str(BOLD))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        return text.translate(PLAIN_SIGNS).encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-13)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.text_of(f"{self.footer_text} · {self.page_no()}/{{nb}}"),
                  align="C")

    def write_block(self, text: str, size: float, style: str = "", gap: float = 1.2):
        self.set_font(self.family, style, size)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)


def render(document: Document, author: str, footer_text: str, language: str) -> bytes:
    pdf = _UpdatePdf(footer_text)
    pdf.set_title(document.title)
    pdf.set_author(author)
    pdf.set_creator("Tend")
    pdf.set_lang(language)
    pdf.add_page()
    pdf.write_block(document.title, 15, "B", 1)
    pdf.write_block(document.period, 11, "B", 0.5)
    pdf.write_block(document.byline, 10, "", 0.5)
    pdf.write_block(document.drawn_from, 9, "", 3)
    for section in document.sections:
        if pdf.will_page_break(18):
            pdf.add_page()
        pdf.write_block(section.heading, 11.5, "B", 0.8)
        if not section.lines:
            pdf.write_block(section.empty, 9.5, "", 2.5)
            continue
        for line in section.lines:
            pdf.write_block(line.plain_text, 10, "B" if line.detail else "", 0.2)
            if line.detail:
                pdf.write_block(line.detail, 9.5, "", 1.2)
        pdf.ln(2)
    return bytes(pdf.output())

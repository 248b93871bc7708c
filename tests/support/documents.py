"""Documents built in the test, as union offices publish them.

A text PDF (fpdf2 with DejaVu Sans, so Vietnamese diacritics are real text),
the same page rasterized into an image-only PDF (a scan: poppler's pdftoppm,
then Pillow), a .docx (python-docx) with its deadline in a table, and an
.xlsx (openpyxl) whose deadline is a date cell.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest


@functools.cache
def _font() -> Path | None:
    """DejaVu Sans (it has every Vietnamese letter), found through fontconfig."""
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}", "DejaVu Sans:style=Book"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(found)
    return path if path.name == "DejaVuSans.ttf" and path.is_file() else None


def need_font() -> Path:
    font = _font()
    if font is None:
        pytest.skip("DejaVu Sans is missing (Debian: fonts-dejavu-core; scripts/test installs it)")
    return font


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def text_pdf(lines: list[str], *, pages: int = 1) -> bytes:
    from fpdf import FPDF

    font = need_font()
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(font))
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", size=13)
        for line in lines:
            pdf.multi_cell(0, 9, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf(lines: list[str], *, pages: int = 1) -> bytes:
    """The text PDF rendered to images: no text layer left, as a scanner makes."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing (Debian: poppler-utils; scripts/test installs it)")
    source = text_pdf(lines, pages=pages)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "a.pdf").write_bytes(source)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-gray", "-png", f"{tmp}/a.pdf", f"{tmp}/p"], check=True
        )
        images = [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p*.png"))]
        out = io.BytesIO()
        images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def docx_file(paragraphs: list[str], table: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    grid = document.add_table(rows=0, cols=2)
    for left, right in table:
        cells = grid.add_row().cells
        cells[0].text, cells[1].text = left, right
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file(rows: list[tuple[object, ...]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

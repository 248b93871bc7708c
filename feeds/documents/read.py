"""Text out of a document's bytes: PDF, .docx, .doc, .xlsx.

The kind is decided by the bytes (a server's Content-Type and a URL's
extension are often wrong: ``application/octet-stream``, ``download.aspx``):
``%PDF`` is a PDF; a ZIP holding ``word/document.xml`` is .docx and one
holding ``xl/workbook.xml`` is .xlsx; an OLE2 compound file is a legacy .doc.
A PDF page without a text layer (a scan) goes to OCR.  Whatever fails comes
back as :attr:`DocumentText.error`, never as an exception: a bad document must
not lose its story.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from feeds.documents.ocr import OcrLimits, OcrUnavailable, clean_ocr_text, ocr_pdf_pages
from feeds.vntext import normalize

log = logging.getLogger(__name__)

# A page with fewer letters than this in its text layer is taken for a scan.
MIN_TEXT_LAYER_CHARS = 25
MAX_CHARS = 200_000  # of text kept per document: a 60-page plan, far beyond any notice


@dataclass(frozen=True)
class DocumentText:
    """What was read from one document."""

    kind: str | None  # "pdf" | "docx" | "doc" | "xlsx" | None (not a document)
    text: str
    pages: int | None  # PDF pages (None for other kinds)
    method: str | None  # "text" | "ocr" | "text+ocr" | None when nothing was read
    error: str | None = None  # why nothing (or not everything) was read

    @property
    def chars(self) -> int:
        return len(self.text)


def sniff_kind(body: bytes) -> str | None:
    """The document kind of ``body`` from its first bytes."""
    if body[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if body.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def read_document(body: bytes, *, ocr: OcrLimits | None = None) -> DocumentText:
    """Read ``body``; ``ocr=None`` turns OCR of scanned pages off."""
    kind = sniff_kind(body)
    readers = {"pdf": _read_pdf, "docx": _read_docx, "xlsx": _read_xlsx, "doc": _read_doc}
    if kind is None:
        return DocumentText(None, "", None, None, "not a PDF, Word or Excel document")
    try:
        result = readers[kind](body, ocr)
    except Exception as exc:  # third-party parsers raise anything on bad input
        log.info("document unreadable (%s): %s: %s", kind, type(exc).__name__, exc)
        return DocumentText(kind, "", None, None, f"unreadable {kind}: {type(exc).__name__}")
    text = result.text[:MAX_CHARS]
    return DocumentText(result.kind, text, result.pages, result.method, result.error)


def _read_pdf(body: bytes, ocr: OcrLimits | None) -> DocumentText:
    from pypdf import PdfReader  # heavy import, only when a PDF comes

    reader = PdfReader(io.BytesIO(body))
    if reader.is_encrypted:
        reader.decrypt("")  # most "encrypted" notices only forbid printing
    texts: dict[int, str] = {}
    scanned: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        text = clean_ocr_text(page.extract_text() or "")
        if sum(c.isalpha() for c in text) >= MIN_TEXT_LAYER_CHARS:
            texts[number] = text
        else:
            scanned.append(number)
    pages = len(reader.pages)
    layer_pages = len(texts)
    error = None
    ocr_pages = 0
    if scanned and ocr is not None:
        try:
            found = ocr_pdf_pages(body, scanned, ocr)
        except OcrUnavailable as exc:
            error = f"scanned pages not read: {exc}"
        else:
            texts.update(found)
            ocr_pages = len(found)
            if ocr_pages < len(scanned):
                error = (
                    f"{len(scanned) - ocr_pages} scanned page(s) not read "
                    f"(OCR limit {ocr.max_pages} pages, {ocr.seconds:g} s)"
                )
    elif scanned:
        error = f"{len(scanned)} scanned page(s) not read (OCR is off)"
    text = "\n".join(join_wrapped_lines(texts[n]) for n in sorted(texts))
    methods = [m for m, used in (("text", layer_pages), ("ocr", ocr_pages)) if used]
    method = "+".join(methods) or None
    return DocumentText("pdf", text, pages, method, error)


def _read_docx(body: bytes, _ocr: OcrLimits | None) -> DocumentText:
    import docx  # python-docx

    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:  # plans list their deadlines in tables
        for row in table.rows:
            cells = []
            for cell in row.cells:
                value = " ".join(cell.text.split())
                if value and (not cells or cells[-1] != value):  # merged cells repeat
                    cells.append(value)
            lines.append(" | ".join(cells))
    return DocumentText("docx", _paragraphs(lines), None, "text")


def _read_xlsx(body: bytes, _ocr: OcrLimits | None) -> DocumentText:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    lines: list[str] = []
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    lines.append(" | ".join(cells))
                if len(lines) > 5000:
                    break
    finally:
        book.close()
    return DocumentText("xlsx", _paragraphs(lines), None, "text")


def _cell(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime | dt.date):  # a date cell reads as Vietnamese writes it
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def _read_doc(body: bytes, _ocr: OcrLimits | None) -> DocumentText:
    """Legacy Word: antiword, else LibreOffice headless, else a clear state."""
    with tempfile.TemporaryDirectory(prefix="congdoan-doc-") as tmp:
        source = Path(tmp) / "document.doc"
        source.write_bytes(body)
        if shutil.which("antiword"):
            done = subprocess.run(
                ["antiword", "-m", "UTF-8.txt", "-w", "0", str(source)],
                capture_output=True,
                timeout=60,
            )
            if done.returncode == 0:
                return DocumentText(
                    "doc",
                    _paragraphs(done.stdout.decode("utf-8", "replace").splitlines()),
                    None,
                    "text",
                )
            return DocumentText("doc", "", None, None, "cannot read .doc: antiword refused it")
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office:
            subprocess.run(
                [
                    office,
                    "--headless",
                    "--convert-to",
                    "txt:Text (encoded):UTF8",
                    "--outdir",
                    tmp,
                    str(source),
                ],
                capture_output=True,
                timeout=120,
            )
            out = source.with_suffix(".txt")
            if out.exists():
                return DocumentText(
                    "doc", _paragraphs(out.read_text("utf-8", "replace").splitlines()), None, "text"
                )
            return DocumentText("doc", "", None, None, "cannot read .doc: LibreOffice refused it")
    return DocumentText("doc", "", None, None, "cannot read .doc: install antiword or LibreOffice")


_SENTENCE_END = (".", ":", ";", "!", "?", "…", ")")


def join_wrapped_lines(text: str) -> str:
    """Undo a PDF's hard line wraps inside a sentence ("trước ngày" / "15/01/2027.").

    A line is joined to the next when it does not end a sentence and the next
    one starts with a lowercase letter or a digit; headings (capitals, no final
    stop, followed by a capital) stay on their own lines.
    """
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if out and not out[-1].endswith(_SENTENCE_END) and (line[0].islower() or line[0].isdigit()):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _paragraphs(lines: list[str]) -> str:
    return normalize("\n".join(" ".join(line.split()) for line in lines if line and line.strip()))

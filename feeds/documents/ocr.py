"""Scanned PDF pages through Tesseract's Vietnamese model.

Pages are rendered by ``pdftoppm`` (poppler-utils) and read by the
``tesseract`` command with ``-l vie`` (Debian: ``tesseract-ocr-vie``).  The
command-line tools rather than Python bindings: both are one process per page,
killed at the deadline, so a pathological scan can never hold the poller.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from feeds.vntext import normalize


class OcrUnavailable(Exception):
    """Tesseract, its Vietnamese model or pdftoppm is missing."""


@dataclass(frozen=True)
class OcrLimits:
    max_pages: int = 10  # pages read per document
    seconds: float = 120.0  # for the whole document
    dpi: int = 200  # enough for 10–12 pt type, a few seconds a page


def ocr_available() -> str | None:
    """None when OCR can run, else what is missing (for the operator)."""
    for tool in ("pdftoppm", "tesseract"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: poppler-utils, tesseract-ocr)"
    try:
        langs = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"tesseract does not run: {exc}"
    if "vie" not in langs:
        return "Tesseract's Vietnamese model is missing (Debian: tesseract-ocr-vie)"
    return None


def ocr_pdf_pages(pdf: bytes, pages: list[int], limits: OcrLimits) -> dict[int, str]:
    """Text of the given 1-based ``pages`` of ``pdf``, in order, within the limits.

    Pages beyond ``max_pages`` or the deadline are left out of the result.
    Raises :class:`OcrUnavailable` when the tools are missing.
    """
    missing = ocr_available()
    if missing:
        raise OcrUnavailable(missing)
    deadline = time.monotonic() + limits.seconds
    texts: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="congdoan-ocr-") as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        for page in pages[: limits.max_pages]:
            left = deadline - time.monotonic()
            if left <= 1:
                break
            text = _ocr_page(source, page, limits.dpi, left)
            if text is not None:
                texts[page] = text
    return texts


# Tesseract spreads one page over every core with OpenMP; pages are already
# read one per worker thread, so one core each avoids oversubscription.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _ocr_page(source: Path, page: int, dpi: int, seconds: float) -> str | None:
    prefix = source.with_name(f"p{page}")
    try:
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-gray",
                "-png",
                "-singlefile",
                str(source),
                str(prefix),
            ],
            capture_output=True,
            timeout=seconds,
            check=True,
        )
        done = subprocess.run(
            ["tesseract", str(prefix.with_suffix(".png")), "stdout", "-l", "vie", "--psm", "3"],
            capture_output=True,
            timeout=seconds,
            check=True,
            env=_ENV,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return clean_ocr_text(done.stdout.decode("utf-8", "replace"))


# OCR confusions that are safe to undo: inside a date (d/m/yyyy), O and o can
# only be 0 and l, I and | only 1, and spaces around the slashes are noise.
# Words are left alone: Vietnamese has no reliable letter-for-letter fix.
_DIGITISH = r"[0-9OolI|]"
_DATE = re.compile(
    rf"(?<![\w/])({_DIGITISH}{{1,2}})\s?/\s?({_DIGITISH}{{1,2}})\s?/\s?({_DIGITISH}{{4}})(?![\w/])"
)
_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


def _fix_date(match: re.Match[str]) -> str:
    parts = [g.translate(_TO_DIGIT) for g in match.groups()]
    if not any(c.isdigit() for c in "".join(match.groups())):
        return match.group(0)  # "lo/Io/oooo" is not a date
    return "/".join(parts)


def clean_ocr_text(text: str) -> str:
    """NFC, the project's canonical form, safe fixes; hyphenated line ends joined."""
    text = unicodedata.normalize("NFC", text).replace("\x0c", "\n")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    text = _DATE.sub(_fix_date, text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = "\n".join(line for line in lines if line)
    return normalize(paragraphs)

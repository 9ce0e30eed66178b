"""Documents: recognise PDF/DOCX by their bytes, "convert" DOCX to PDF, write real PDFs.

The PDFs are written by hand (a few objects, a correct cross-reference table), so the emulator needs
no PDF library at runtime; the tests check with pypdf that the output parses.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Stamp",
    "docx_to_pdf",
    "pdf_page_count",
    "render_pdf",
    "sniff_document",
]

_PAGE_W, _PAGE_H = 612.0, 792.0  # US Letter in points
_LINES_PER_PAGE = 48
_WRAP = 95


def sniff_document(data: bytes) -> str | None:
    """``"pdf"``, ``"docx"`` or ``None``, judged by the bytes only (never by a file name)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


def pdf_page_count(data: bytes) -> int:
    """A cheap page count (``/Type /Page`` objects); at least 1."""
    return max(1, len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)))


def docx_to_pdf(data: bytes) -> bytes:
    """The DOCX's paragraphs as plain text in a PDF: what "converted at ingest" means here."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode("utf-8", "replace")
    paragraphs = []
    for para in re.split(r"</w:p>", xml):
        text = "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", para))
        paragraphs.append(_unescape_xml(text))
    while paragraphs and not paragraphs[-1]:
        paragraphs.pop()
    lines: list[str] = []
    for para in paragraphs or ["(empty document)"]:
        lines.extend(_wrap(para) or [""])
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    return render_pdf(pages or [[]], title="Converted document")


@dataclass(frozen=True)
class Stamp:
    """Text drawn at a position given as fractions of the page (as Atlas fields are)."""

    page: int
    x_pct: float
    y_pct: float
    text: str


def render_pdf(
    pages: Sequence[Sequence[str]],
    *,
    title: str = "",
    stamps: Sequence[Stamp] = (),
    attachments: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A valid PDF 1.4: one page per entry of ``pages`` (lines of text), optional stamps, and
    optional embedded files (``(name, bytes)``, listed in the catalog's EmbeddedFiles tree)."""
    objects: list[bytes] = []  # object n is objects[n - 1]
    n_pages = max(1, len(pages))
    page_ids = [4 + 2 * i for i in range(n_pages)]
    info_id = 4 + 2 * n_pages
    spec_ids = [info_id + 2 + 2 * i for i in range(len(attachments))]
    names = ""
    if attachments:
        entries = " ".join(
            f"({_pdf_text(name)}) {sid} 0 R"
            for (name, _), sid in zip(attachments, spec_ids, strict=True)
        )
        names = f" /Names << /EmbeddedFiles << /Names [{entries}] >> >>"
    objects.append(f"<< /Type /Catalog /Pages 2 0 R{names} >>".encode("latin-1"))
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i in range(n_pages):
        lines = pages[i] if i < len(pages) else []
        ops = ["BT /F1 11 Tf 14 TL 56 740 Td"]
        ops.extend(f"({_pdf_text(line)}) Tj T*" for line in lines)
        ops.append("ET")
        for stamp in stamps:
            if stamp.page == i + 1:
                x = max(0.0, min(1.0, stamp.x_pct)) * _PAGE_W
                y = _PAGE_H - max(0.0, min(1.0, stamp.y_pct)) * _PAGE_H - 12
                ops.append(f"BT /F1 12 Tf {x:.1f} {y:.1f} Td ({_pdf_text(stamp.text)}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_W:.0f} {_PAGE_H:.0f}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    assert len(objects) + 1 == info_id
    objects.append(
        f"<< /Title ({_pdf_text(title)}) /Producer (atlas-async emulator) >>".encode("latin-1")
    )
    for (name, data), sid in zip(attachments, spec_ids, strict=True):
        objects.append(
            b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
        )
        label = _pdf_text(name)
        objects.append(
            f"<< /Type /Filespec /F ({label}) /UF ({label}) /EF << /F {sid - 1} 0 R >> >>".encode(
                "latin-1"
            )
        )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, info_id)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _pdf_text(text: str) -> str:
    """Text safe inside a PDF literal string in the Latin-1 base font."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", " ")


def _wrap(text: str) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > _WRAP:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _unescape_xml(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")

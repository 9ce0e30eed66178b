"""Write ``sample.pdf`` and ``sample.docx`` deterministically, with no PDF or DOCX library.

The PDF is a one-page document with a correct cross-reference table; the DOCX is the minimal
OOXML package Word opens (content types, relationships, one document part). Fixed timestamps in
the zip keep the output byte-for-byte reproducible.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

TITLE = "Services Agreement (atlas-async sample)"
LINES = [
    "This agreement is made between the Customer and the Supplier named below.",
    "1. The Supplier provides the services described in the attached order.",
    "2. The Customer pays the fees in the order within 30 days of invoice.",
    "3. Either party may end this agreement with 30 days written notice.",
    "",
    "Customer signature: ______________________    Date: ____________",
    "",
    "Supplier signature: ______________________    Date: ____________",
]


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf() -> bytes:
    ops = ["BT /F1 16 Tf 72 720 Td (" + _pdf_text(TITLE) + ") Tj ET"]
    y = 680
    for line in LINES:
        ops.append(f"BT /F1 11 Tf 72 {y} Td (" + _pdf_text(line) + ") Tj ET")
        y -= 22
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + TITLE.encode("latin-1") + b") /Producer (atlas-async samples) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_docx() -> bytes:
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_escape(line)}</w:t></w:r></w:p>'
        for line in [TITLE, "", *LINES]
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
        ):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return out.getvalue()


def main(directory: Path | None = None) -> None:
    target = directory or Path(__file__).resolve().parent
    (target / "sample.pdf").write_bytes(make_pdf())
    (target / "sample.docx").write_bytes(make_docx())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)

"""The signed PDF: the document's pages with the filled-in fields stamped on them, a certificate
of completion, and the original PDF attached byte for byte."""

from __future__ import annotations

from .._clock import rfc3339
from .._documents import Stamp, pdf_page_count, render_pdf
from .records import Envelope

__all__ = ["signed_pdf"]


def signed_pdf(env: Envelope) -> bytes:
    pages = max([pdf_page_count(env.document)] + [int(f["page"]) for f in env.fields])
    doc_pages: list[list[str]] = [[] for _ in range(pages)]
    doc_pages[0] = [f"Envelope {env.envelope_id}", f"Document sha256 {env.document_sha256}"]
    stamps = [
        Stamp(int(f["page"]), float(f["x_pct"]), float(f["y_pct"]), str(f["value"]))
        for f in env.fields
        if f.get("value") not in (None, False, "")
    ]
    audit = [
        "Certificate of completion",
        "",
        f"Envelope: {env.envelope_id}",
        f"Completed: {rfc3339(env.completed_at)}",
        "",
    ]
    audit += [
        f"{p.order}. {p.name} <{p.email}> ({p.role}) signed at {rfc3339(p.signed_at)}"
        for p in env.parties
    ]
    return render_pdf(
        [*doc_pages, audit],
        title=f"Signed {env.envelope_id}",
        stamps=stamps,
        attachments=[("original.pdf", env.document)],  # what was signed, byte for byte
    )

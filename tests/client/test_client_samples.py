"""The bundled sample documents are the generator's output, and are what they claim to be."""

from __future__ import annotations

from pypdf import PdfReader

from atlas_async._documents import sniff
from atlas_async.samples import SAMPLE_DOCX, SAMPLE_PDF
from atlas_async.samples._make import make_docx, make_pdf


def test_samples_are_reproducible() -> None:
    assert SAMPLE_PDF.read_bytes() == make_pdf()
    assert SAMPLE_DOCX.read_bytes() == make_docx()


def test_samples_are_a_pdf_and_a_docx() -> None:
    assert sniff(SAMPLE_PDF.read_bytes()) == "pdf"
    assert sniff(SAMPLE_DOCX.read_bytes()) == "docx"
    text = PdfReader(str(SAMPLE_PDF)).pages[0].extract_text()
    assert "Customer signature" in text
    assert "Supplier signature" in text

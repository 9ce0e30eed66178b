"""Small sample documents made by the project itself (no third-party content).

``sample.pdf`` and ``sample.docx`` are a two-party services agreement, written by ``_make.py``
(``python -m atlas_async.samples._make`` rewrites them byte for byte). ``make demo`` uploads the
PDF; the tests upload both.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SAMPLE_DOCX", "SAMPLE_PDF"]

_HERE = Path(__file__).resolve().parent
SAMPLE_PDF = _HERE / "sample.pdf"
SAMPLE_DOCX = _HERE / "sample.docx"

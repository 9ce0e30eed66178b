"""``atlas.envelopes``: the signing flow, from a document to a signed PDF.

:class:`Envelopes` is assembled from three parts, one concept each: the single-request calls
(``_envelope_calls``), the signing flows built on them (``_signing``) and the signed-PDF download
(``_pdf``).
"""

from __future__ import annotations

from ._pdf import PDFDownloads, SignedPDFStream
from ._signing import ConflictHook, SigningFlows, SigningStatus

__all__ = ["ConflictHook", "Envelopes", "SignedPDFStream", "SigningStatus"]


class Envelopes(SigningFlows, PDFDownloads):
    """Envelopes: create, detect fields, send, wait, download."""

    __slots__ = ()

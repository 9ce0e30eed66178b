"""``atlas.envelopes``: the signing flow, from a document to a signed PDF.

:class:`Envelopes` is assembled from three parts, one concept each: the single-request calls
(``_envelope_calls``), the signing flows built on them (``_signing``), the wait on many envelopes
(``_many``) and the signed-PDF download (``_pdf``).
"""

from __future__ import annotations

from ._many import ManyWaits, WaitManyResult
from ._pdf import PDFDownloads, SignedPDFStream
from ._signing import ConflictHook, SigningFlows
from ._until_signed import SigningStatus

__all__ = ["ConflictHook", "Envelopes", "SignedPDFStream", "SigningStatus", "WaitManyResult"]


class Envelopes(SigningFlows, ManyWaits, PDFDownloads):
    """Envelopes: create, detect fields, send, wait, download."""

    __slots__ = ()

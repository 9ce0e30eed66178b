"""What the envelope tests send: a minimal PDF and two parties."""

from __future__ import annotations

from atlas_async import Party

__all__ = ["PARTIES", "PDF"]

#: The smallest PDF the emulator accepts.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]

"""CSV manifests for bulk sending: one row per envelope, problems reported by line number.

Columns (header row required, names case-insensitive, order free):

``key``          optional stable id of the row (else derived from the row's content)
``document``     path to a PDF or DOCX, relative to the manifest's folder   } exactly one
``template_id``  a template to send instead (``tmpl_...``)                   } of these two
``signers``      ``email[:name[:role]]``, several separated by ``;``
``metadata``     a JSON object, or ``k=v`` pairs separated by ``;``   (optional)
``prefill``      template prefill, same format as metadata             (optional)
``webhook_url``  per-envelope webhook                                  (optional)

A bad row never stops the good ones: it comes back as an :class:`InvalidRow` naming its line.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._items import BulkItem

if TYPE_CHECKING:
    from .._models import PartyLike

__all__ = [
    "InvalidRow",
    "ManifestRow",
    "PartyFactory",
    "default_party_factory",
    "parse_pairs",
    "parse_signer",
    "read_manifest",
]

PartyFactory = Callable[[str, str | None, str | None], "PartyLike"]

_KNOWN = {"key", "document", "template_id", "signers", "metadata", "prefill", "webhook_url"}
# A cheap first look so a wrong file is reported with its line; the client checks fully at upload.
_PDF_MAGIC = b"%PDF-"  # anywhere in the first KiB, as the client accepts
_ZIP_MAGIC = b"PK\x03\x04"  # DOCX is a zip; the client checks the inside


@dataclass(frozen=True)
class ManifestRow:
    """A valid row: ``item.tag`` is the line number too."""

    line: int
    item: BulkItem


@dataclass(frozen=True)
class InvalidRow:
    """A row that cannot be sent, and why."""

    line: int
    message: str
    key: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_signer(text: str) -> tuple[str, str | None, str | None]:
    """``email[:name[:role]]`` to its parts; raises ValueError on a malformed signer."""
    parts = [p.strip() for p in text.strip().split(":")]
    if len(parts) > 3:
        raise ValueError(f"signer {text.strip()!r}: expected EMAIL[:NAME[:ROLE]]")
    from .._models import is_email

    email = parts[0]
    if not is_email(email):  # the SDK's (and Atlas's) rule, applied before any byte is sent
        raise ValueError(f"signer {text.strip()!r}: {email!r} is not an email address")
    name = parts[1] if len(parts) > 1 and parts[1] else None
    role = parts[2] if len(parts) > 2 and parts[2] else None
    return email, name, role


def parse_pairs(text: str, *, what: str) -> dict[str, Any]:
    """A JSON object, or ``k=v;k2=v2`` pairs (values stay strings)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what}: invalid JSON ({exc.msg})") from None
        return dict(value)  # text starting with "{" that parses is an object
    out: dict[str, Any] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"{what}: expected k=v pairs separated by ';', got {pair.strip()!r}")
        out[name.strip()] = value.strip()
    return out


def default_party_factory() -> PartyFactory:
    """How :func:`read_manifest` (and the CLI's ``--signer``) turns ``email[:name[:role]]`` into
    a ``Party``. Atlas wants a name and a role for each party, so a bare email gets its local
    part as name and ``Signer`` as role."""
    from .._models import Party

    def make(email: str, name: str | None, role: str | None) -> PartyLike:
        return Party(email=email, name=name or email.partition("@")[0], role=role or "Signer")

    return make


def _check_document(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except FileNotFoundError:
        raise ValueError(f"document {str(path)!r} not found") from None
    except OSError as exc:
        raise ValueError(f"document {str(path)!r} cannot be read ({exc.strerror})") from None
    if not (_PDF_MAGIC in head or head.startswith(_ZIP_MAGIC)):
        raise ValueError(f"document {str(path)!r} is neither a PDF nor a DOCX")


def _row_item(row: dict[str, str], line: int, base: Path, make_party: PartyFactory) -> BulkItem:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    document, template_id = cell("document"), cell("template_id")
    if bool(document) == bool(template_id):
        raise ValueError("give exactly one of document or template_id")
    signers = [s for s in cell("signers").split(";") if s.strip()]
    if not signers:
        raise ValueError("no signers")
    parties = [make_party(*parse_signer(s)) for s in signers]
    doc_path: Path | None = None
    if document:
        doc_path = Path(document) if os.path.isabs(document) else base / document
        _check_document(doc_path)
    return BulkItem(
        parties=parties,
        document=doc_path,
        template_id=template_id or None,
        metadata=parse_pairs(cell("metadata"), what="metadata"),
        prefill={k: str(v) for k, v in parse_pairs(cell("prefill"), what="prefill").items()},
        webhook_url=cell("webhook_url") or None,
        key=cell("key") or None,
        tag=line,
    )


def read_manifest(
    path: str | os.PathLike[str], *, make_party: PartyFactory | None = None
) -> Iterator[ManifestRow | InvalidRow]:
    """Rows of a manifest, in file order; raises ValueError only when the file itself is unusable
    (missing, no header, no ``signers`` column, no ``document``/``template_id`` column)."""
    manifest = Path(path)
    factory = make_party or default_party_factory()
    with manifest.open(newline="", encoding="utf-8-sig") as fh:
        # csv.reader rather than DictReader: DictReader skips blank lines silently, which would
        # make the reported line numbers drift.
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        if not any(header):
            raise ValueError(f"{manifest}: empty manifest (a header row is required)")
        if "signers" not in header or not ({"document", "template_id"} & set(header)):
            raise ValueError(
                f"{manifest}: the header needs a signers column and a document or "
                f"template_id column (got {', '.join(header)})"
            )
        unknown = sorted(set(header) - _KNOWN - {""})
        if unknown:
            raise ValueError(f"{manifest}: unknown column(s) {', '.join(unknown)}")
        keys: dict[str, int] = {}
        while True:
            line = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if not any(c.strip() for c in cells):
                continue  # blank line
            raw = dict(zip(header, cells, strict=False))
            key = (raw.get("key") or "").strip() or None
            if len(cells) > len(header):
                yield InvalidRow(line, f"{len(cells)} cells but {len(header)} columns", key)
                continue
            if key is not None and key in keys:
                yield InvalidRow(line, f"duplicate key {key!r} (first on line {keys[key]})", key)
                continue
            try:
                item = _row_item(raw, line, manifest.parent, factory)
            except (ValueError, TypeError) as exc:
                yield InvalidRow(line, str(exc), key)
                continue
            if key is not None:
                keys[key] = line
            yield ManifestRow(line, item)

"""What one bulk item is, and the stable key that makes re-running a batch safe.

The key is the whole exactly-once story: the create and send idempotency keys derive from it, and it
is stored as ``metadata.external_id`` so that a re-run (even after the server's 24 h idempotency
window) can find what an earlier run already created or sent with ``envelopes.list(external_id=)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio.to_thread

if TYPE_CHECKING:
    from .._models import PartyLike

__all__ = ["BulkItem", "derive_key"]

# Keys end up in Idempotency-Key headers and in metadata.external_id: keep them printable and short.
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}$")


@dataclass(frozen=True)
class BulkItem:
    """One envelope to send: from a document (path, bytes, or ``DocumentURL``) or from a template.

    ``key`` identifies the item across runs. Leave it ``None`` to derive it from the content (the
    document's bytes or the template id, the signers, metadata, prefill and webhook URL): the same
    row then maps to the same envelope on every re-run. Give your own (a row id from your database)
    when the content may legitimately change between runs, or two identical rows are distinct sends.
    """

    #: ``Party`` objects (or dicts with email, name, role, order), in signing order.
    parties: Sequence[PartyLike]
    document: Any = None
    template_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    prefill: Mapping[str, str] = field(default_factory=dict)
    webhook_url: str | None = None
    key: str | None = None
    #: Free slot for the caller (a manifest line number, a database id): echoed on the outcome.
    tag: Any = None

    def __post_init__(self) -> None:
        # Bad input fails here, before any request, with a message that names the problem.
        if (self.document is None) == (self.template_id is None):
            raise ValueError("a bulk item needs exactly one of document= or template_id=")
        if not self.parties:
            raise ValueError("a bulk item needs at least one party")
        if self.template_id is None and self.prefill:
            raise ValueError("prefill= only applies to template sends")
        if self.key is not None and not _KEY_RE.match(self.key):
            raise ValueError(
                f"bulk key {self.key!r} must be 1-200 printable characters "
                "(letters, digits and ._:@/+=-), starting with a letter or digit"
            )
        ext = self.metadata.get("external_id")
        if ext is not None and self.key is not None and str(ext) != self.key:
            raise ValueError(
                f"metadata.external_id {ext!r} differs from key {self.key!r}: bulk stores the key "
                "in external_id, so give one or make them equal"
            )
        if ext is not None and not _KEY_RE.match(str(ext)):
            raise ValueError(f"metadata.external_id {ext!r} cannot be used as a bulk key")


def _party_fingerprint(party: PartyLike) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("email", "name", "role", "order"):
        value = party.get(name) if isinstance(party, Mapping) else getattr(party, name, None)
        if isinstance(value, str | int) and not isinstance(value, bool):  # skips None (not given)
            out[name] = value
    return out


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


async def _document_fingerprint(document: Any) -> str:
    if isinstance(document, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(document).hexdigest()
    if isinstance(document, str | os.PathLike):
        # Streamed in a worker thread: a 25 MB PDF is neither held whole nor hashed on the loop.
        return "sha256:" + await anyio.to_thread.run_sync(_file_sha256, os.fspath(document))
    url = getattr(document, "url", None)
    if isinstance(url, str):
        return "url:" + url
    raise TypeError(
        f"cannot derive a bulk key from a {type(document).__name__} document: "
        "pass a path, bytes or DocumentURL, or give the item an explicit key="
    )


async def derive_key(item: BulkItem) -> str:
    """The item's stable key: ``item.key``, else ``metadata.external_id``, else a content hash.

    The hash covers what makes two sends the same send (document bytes or template id, signers,
    metadata, prefill, webhook URL), never a timestamp or a random value.
    """
    if item.key is not None:
        return item.key
    ext = item.metadata.get("external_id")
    if ext is not None:
        return str(ext)
    source = (
        {"template_id": item.template_id}
        if item.template_id is not None
        else {"document": await _document_fingerprint(item.document)}
    )
    canonical = json.dumps(
        {
            **source,
            "parties": [_party_fingerprint(p) for p in item.parties],
            "metadata": dict(item.metadata),
            "prefill": dict(item.prefill),
            "webhook_url": item.webhook_url,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return "b-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]

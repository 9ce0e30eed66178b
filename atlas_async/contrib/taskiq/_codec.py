"""What travels through the queue: a bulk item to a worker, its outcome back.

Both are plain JSON. An item carries no credential (each worker has its own), and its document
travels by reference when it can: a path (which every worker must see, on a shared volume) or a
``DocumentURL``; bytes travel inline, base64-encoded. An outcome's error travels as its type name
and its one-line message, which is all the results file and the summary ever show of it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

from ..._documents import DocumentURL
from ..._secrets import scrub
from ...bulk import BulkItem, BulkOutcome, OutcomeStatus, RetryPolicy

__all__ = [
    "RemoteItemError",
    "item_from_payload",
    "outcome_from_result",
    "payload_for",
    "result_for",
]

_STATUSES: frozenset[str] = frozenset({"sent", "already_sent", "failed", "not_attempted"})


class RemoteItemError(Exception):
    """An item's error as a worker reported it: ``type_name`` and the message (``str()``)."""

    def __init__(self, message: str, type_name: str) -> None:
        super().__init__(message)
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"RemoteItemError({self.type_name}: {self})"


def _party(party: Any) -> dict[str, Any]:
    if isinstance(party, Mapping):
        return {str(k): v for k, v in party.items() if v is not None}
    out: dict[str, Any] = {}
    for name in ("email", "name", "role", "order"):
        value = getattr(party, name, None)
        if isinstance(value, str | int) and not isinstance(value, bool):  # skips UNSET
            out[name] = value
    return out


def _document(document: Any) -> dict[str, str] | None:
    if document is None:
        return None
    if isinstance(document, DocumentURL):
        return {"url": document.url}
    if isinstance(document, str | os.PathLike):
        return {"path": os.path.abspath(os.fspath(document))}
    if isinstance(document, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(document)).decode("ascii")}
    raise TypeError(
        f"a {type(document).__name__} document cannot go through the queue: pass a path (that "
        "every worker can read), bytes or a DocumentURL"
    )


def payload_for(
    index: int,
    item: BulkItem,
    key: str,
    *,
    run: str,
    retry: RetryPolicy,
    lookup_existing: bool,
    account: str | None,
) -> dict[str, Any]:
    """The task's one argument: everything a worker needs to send ``item`` as one process would."""
    return {
        "run": run,
        "index": index,
        "key": key,
        "document": _document(item.document),
        "template_id": item.template_id,
        "parties": [_party(p) for p in item.parties],
        "metadata": dict(item.metadata),
        "prefill": dict(item.prefill),
        "webhook_url": item.webhook_url,
        "retry": {
            "max_retries": retry.max_retries,
            "initial_delay": retry.initial_delay,
            "max_delay": retry.max_delay,
            "max_retry_after": retry.max_retry_after,
            "budget": retry.budget,
        },
        "lookup_existing": lookup_existing,
        "account": account,
    }


def item_from_payload(payload: Mapping[str, Any]) -> BulkItem:
    """The item a payload describes, with its key fixed (the worker derives nothing)."""
    doc = payload.get("document")
    document: Any = None
    if doc is not None:
        if "url" in doc:
            document = DocumentURL(doc["url"])
        elif "path" in doc:
            document = doc["path"]
        else:
            document = base64.b64decode(doc["base64"])
    return BulkItem(
        parties=list(payload["parties"]),
        document=document,
        template_id=payload.get("template_id"),
        metadata=dict(payload.get("metadata") or {}),
        prefill=dict(payload.get("prefill") or {}),
        webhook_url=payload.get("webhook_url"),
        key=payload["key"],
    )


def retry_from_payload(payload: Mapping[str, Any]) -> RetryPolicy:
    return RetryPolicy(**payload["retry"])


def result_for(index: int, outcome: BulkOutcome, rate_limited: int) -> dict[str, str]:
    """A worker's outcome as the fields of one entry of the run's results stream."""
    error = outcome.error
    return {
        "index": str(index),
        "status": outcome.status,
        "key": outcome.key or "",
        "envelope_id": outcome.envelope_id or "",
        "envelope_status": outcome.envelope_status or "",
        "error": "" if error is None else scrub(str(error).strip() or type(error).__name__),
        "error_type": "" if error is None else type(error).__name__,
        "attempts": str(outcome.attempts),
        "rate_limited": str(rate_limited),
    }


def outcome_from_result(fields: Mapping[str, str], item: BulkItem) -> BulkOutcome:
    """The :class:`BulkOutcome` one process would have produced, from a results-stream entry."""
    status = fields.get("status", "")
    if status not in _STATUSES:
        raise ValueError(f"unknown outcome status {status!r} in the results stream")
    message = fields.get("error", "")
    typed: OutcomeStatus = status  # type: ignore[assignment]  # checked just above
    return BulkOutcome(
        index=int(fields["index"]),
        item=item,
        status=typed,
        key=fields.get("key") or None,
        envelope_id=fields.get("envelope_id") or None,
        envelope_status=fields.get("envelope_status") or None,
        error=RemoteItemError(message, fields.get("error_type") or "Error") if message else None,
        attempts=int(fields.get("attempts") or 0),
    )

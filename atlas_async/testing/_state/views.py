"""The records as the API shows them: the JSON of envelopes, statuses, templates and accounts.

``base_url`` is the host the emulator names in links (``sign_url``, ``review_url``): the in-process
``http://atlas.test``, or the real address while served on a port.
"""

from __future__ import annotations

from typing import Any

from .._clock import rfc3339
from .records import Envelope, OrgRecord, Party, Template

__all__ = [
    "connected_account_json",
    "envelope_json",
    "extract",
    "party_json",
    "sign_url",
    "status_json",
    "summary_json",
    "template_json",
]


def sign_url(base_url: str, env: Envelope, party: Party) -> str:
    return f"{base_url}/sign/{env.envelope_id}?t={party.token}"


def party_json(party: Party) -> dict[str, Any]:
    return {
        "email": party.email,
        "name": party.name,
        "role": party.role,
        "order": party.order,
        "status": party.status,
    }


def envelope_json(env: Envelope, base_url: str) -> dict[str, Any]:
    current = env.current_party()
    return {
        "envelope_id": env.envelope_id,
        "status": env.status,
        "fields_status": env.fields_status,
        "fields_version": env.fields_version,
        "fields": [dict(f) for f in env.fields],
        "parties": [
            {
                **party_json(p),
                "signed_at": rfc3339(p.signed_at),
                "sign_url": sign_url(base_url, env, p) if p is current else None,
            }
            for p in env.parties
        ],
        "detected_parties": [dict(d) for d in env.detected_parties],
        "review_url": f"{base_url}/review/{env.envelope_id}?rt={env.review_token}",
        "webhook_url": env.webhook_url,
        "metadata": dict(env.metadata),
        "created_at": rfc3339(env.created_at),
        "sent_at": rfc3339(env.sent_at),
        "completed_at": rfc3339(env.completed_at),
        "voided_at": rfc3339(env.voided_at),
        "declined_at": rfc3339(env.declined_at),
        "signed_pdf_url": (
            f"{base_url}/api/envelope/{env.envelope_id}/pdf" if env.status == "signed" else None
        ),
    }


def summary_json(env: Envelope) -> dict[str, Any]:
    return {
        "envelope_id": env.envelope_id,
        "status": env.status,
        "fields_status": env.fields_status,
        "metadata": dict(env.metadata),
        "created_at": rfc3339(env.created_at),
        "sent_at": rfc3339(env.sent_at),
        "completed_at": rfc3339(env.completed_at),
    }


def status_json(env: Envelope, base_url: str) -> dict[str, Any]:
    current = env.current_party() if env.status == "pending" else None
    return {
        "status": env.status,
        "signed_count": sum(1 for p in env.parties if p.status == "signed"),
        "total": len(env.parties),
        "next_signer_email": current.email if current else None,
        "sign_url": sign_url(base_url, env, current) if current else None,
    }


def extract(env: Envelope) -> dict[str, Any]:
    """The ``contract.extracted`` payload: who signed what, and the values they filled in."""
    return {
        "document_sha256": env.document_sha256,
        "parties": [{"name": p.name, "email": p.email, "role": p.role} for p in env.parties],
        "values": {str(f.get("label") or f["field_id"]): f.get("value") for f in env.fields},
        "completed_at": rfc3339(env.completed_at),
    }


def template_json(tmpl: Template) -> dict[str, Any]:
    return {
        "template_id": tmpl.template_id,
        "name": tmpl.name,
        "roles": list(tmpl.roles),
        "prefill_keys": list(tmpl.prefill_keys),
        "fields": [dict(f) for f in tmpl.fields],
    }


def connected_account_json(org: OrgRecord) -> dict[str, Any]:
    return {
        "connected_org_id": org.org_id,
        "external_id": org.external_id,
        "name": org.name,
        "billing_mode": org.billing_mode,
        "status": org.status,
        "credits": org.credits,
        "created_at": rfc3339(org.created_at),
    }

"""The template layer of the state: reusable documents with roles, sent as new envelopes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Unpack

from .._apierror import bad_request, not_found
from .._clock import Clock
from . import views
from .detection import infer_fields
from .envelopes import EnvelopeLayer, EnvelopeOptions
from .pagination import paginate
from .records import Envelope, OrgRecord, Party, Template

__all__ = ["TemplateLayer"]


class TemplateLayer(EnvelopeLayer):
    """Templates, on top of the envelopes they create."""

    def __init__(self, clock: Clock, **options: Unpack[EnvelopeOptions]) -> None:
        super().__init__(clock, **options)
        self.templates: dict[str, Template] = {}

    def upload_template(
        self, org: OrgRecord, name: str, document: bytes, fields: list[dict[str, Any]]
    ) -> Template:
        roles: list[str] = []
        prefill: list[str] = []
        for f in fields:
            role = f.get("role")
            if isinstance(role, str) and role and role not in roles:
                roles.append(role)
            key = f.get("prefill_key")
            if isinstance(key, str) and key and key not in prefill:
                prefill.append(key)
        if not roles:
            roles = ["Signer"]
            for f in fields:
                f["role"] = "Signer"
        self._seq += 1
        tmpl = Template(
            template_id="tmpl_" + secrets.token_hex(8),
            org_id=org.org_id,
            seq=self._seq,
            name=name,
            roles=roles,
            prefill_keys=prefill,
            fields=fields,
            document=document,
            created_at=self.clock(),
        )
        self.templates[tmpl.template_id] = tmpl
        return tmpl

    def get_template(self, org: OrgRecord, template_id: str) -> Template:
        tmpl = self.templates.get(template_id)
        if tmpl is None or tmpl.org_id != org.org_id:
            raise not_found("Template")
        return tmpl

    def list_templates(
        self, org: OrgRecord, *, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[Template], str | None]:
        rows = sorted(
            (t for t in self.templates.values() if t.org_id == org.org_id),
            key=lambda t: t.seq,
            reverse=True,
        )
        return paginate(rows, limit, cursor, lambda t: t.seq)

    def send_template(
        self,
        org: OrgRecord,
        template_id: str,
        *,
        creator_key: str,
        parties: list[Party],
        prefill: Mapping[str, Any],
        auto_send: bool = True,
        webhook_url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Envelope:
        tmpl = self.get_template(org, template_id)
        if sorted(p.role for p in parties) != sorted(tmpl.roles):
            raise bad_request(
                f"Party roles must match the template's roles {tmpl.roles}.", code="role_mismatch"
            )
        unknown = sorted(set(prefill) - set(tmpl.prefill_keys))
        if unknown:
            raise bad_request(f"Unknown prefill keys: {unknown}.", code="unknown_prefill_key")
        if auto_send:
            self._check_can_dispatch(org)
        for party in parties:
            party.order = tmpl.roles.index(party.role) + 1
        fields = []
        for f in tmpl.fields:
            g = dict(f)
            g["party_order"] = tmpl.roles.index(f["role"]) + 1 if f.get("role") in tmpl.roles else 1
            key = g.pop("prefill_key", None)
            g.pop("role", None)
            if key in prefill:
                g["value"] = prefill[key]
            fields.append(g)
        env = self._new_envelope(
            org,
            creator_key,
            tmpl.document,
            sorted(parties, key=lambda p: p.order),
            metadata,
            webhook_url,
        )
        env.fields_status = "ready" if fields else "recovered_empty"
        env.fields = fields
        self._store(env)
        if auto_send:
            self._dispatch(env)
        return env

    def template_json(self, tmpl: Template) -> dict[str, Any]:
        return views.template_json(tmpl)

    def infer_fields(self, document: bytes) -> list[dict[str, Any]]:
        return infer_fields(document)

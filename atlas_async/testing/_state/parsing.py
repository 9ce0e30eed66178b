"""Parties and fields from a request body (already JSON-decoded), checked into records.

The REST routes, the MCP tools and :meth:`FakeAtlas.set_detection` all take fields and parties from
outside; every one of them goes through here, so a malformed value is the same 400 everywhere.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from .._apierror import bad_request
from .records import Party

__all__ = ["FIELD_TYPES", "clean_field", "parse_fields", "parse_parties"]

FIELD_TYPES = frozenset({"signature", "initials", "date", "text", "checkbox"})
# Deliberately plain: one @, no spaces, a dot in the domain (what a mail system would accept).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_parties(value: Any) -> list[Party] | None:
    """Parties from a request body (already JSON-decoded); ``None`` when absent; 400 if malformed.

    Each party needs ``email``, ``name`` and ``role``; ``order`` defaults to the list position.
    """
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request("parties must be a list.", code="invalid_parties")
    parties: list[Party] = []
    for i, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise bad_request(f"parties[{i}] must be an object.", code="invalid_parties")
        email = raw.get("email")
        if not isinstance(email, str) or not _EMAIL.match(email):
            raise bad_request(f"parties[{i}].email must be an email address.", "invalid_parties")
        name, role, order = raw.get("name"), raw.get("role"), raw.get("order", i + 1)
        if not isinstance(name, str) or not name or not isinstance(role, str) or not role:
            raise bad_request(f"parties[{i}] needs a non-empty name and role.", "invalid_parties")
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise bad_request(f"parties[{i}].order must be an integer >= 1.", "invalid_parties")
        parties.append(Party(email=email, name=name, role=role, order=order))
    if len({p.order for p in parties}) != len(parties):
        raise bad_request("Party orders must be unique.", code="invalid_parties")
    return sorted(parties, key=lambda p: p.order)


def parse_fields(value: Any) -> list[dict[str, Any]]:
    """A list of fields, each checked and completed by :func:`clean_field`; 400 if malformed."""
    if not isinstance(value, list):
        raise bad_request("fields must be a list.", code="invalid_fields")
    return [clean_field(f, i) for i, f in enumerate(value)]


def _num(raw: Mapping[str, Any], key: str, i: int) -> float:
    v = raw.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise bad_request(f"fields[{i}].{key} must be a number in [0, 1].", "invalid_fields")
    return float(v)


def clean_field(raw: Any, i: int) -> dict[str, Any]:
    """Field ``i`` as the API stores it: defaults filled in, a ``field_id`` given if missing."""
    if not isinstance(raw, Mapping):
        raise bad_request(f"fields[{i}] must be an object.", code="invalid_fields")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise bad_request(
            f"fields[{i}].type must be one of {sorted(FIELD_TYPES)}.", "invalid_fields"
        )
    page = raw.get("page", 1)
    order = raw.get("party_order", 1)
    for name, v in (("page", page), ("party_order", order)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise bad_request(f"fields[{i}].{name} must be an integer >= 1.", "invalid_fields")
    label = raw.get("label")  # nullable, like Field.label: a field read back is sent as is
    if label is not None and not isinstance(label, str):
        raise bad_request(f"fields[{i}].label must be a string or null.", "invalid_fields")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise bad_request(f"fields[{i}].required must be a boolean.", "invalid_fields")
    value = raw.get("value")
    if isinstance(value, bool):  # Field.value is a string: checkboxes are "true" / "false"
        value = "true" if value else "false"
    if value is not None and not isinstance(value, str):
        raise bad_request(f"fields[{i}].value must be a string or null.", "invalid_fields")
    field_id = raw.get("field_id")
    if "field_id" in raw and not isinstance(field_id, str):
        raise bad_request(f"fields[{i}].field_id must be a string.", "invalid_fields")
    if not field_id:
        field_id = "fld_" + secrets.token_hex(6)
    out: dict[str, Any] = {
        "field_id": field_id,
        "type": ftype,
        "page": page,
        "x_pct": _num(raw, "x_pct", i),
        "y_pct": _num(raw, "y_pct", i),
        "w_pct": _num(raw, "w_pct", i),
        "h_pct": _num(raw, "h_pct", i),
        "party_order": order,
        "label": label,
        "required": required,
        "value": value,
    }
    for extra in ("role", "prefill_key"):
        if isinstance(raw.get(extra), str):
            out[extra] = raw[extra]
    return out

"""The tolerant reader: response schemas require only what the SDK cannot work without.

The contract says what Atlas sends; much of it is our reconstruction (``x-atlas-assumption``), and
Atlas's own pages disagree with each other. A client generated straight from it would refuse a
successful answer the day one assumed property is missing. ``overrides/tolerant-reader.json``
therefore classifies, per response schema, every property the contract requires:

* ``required``: the SDK cannot do its job without it (the id a create exists to return, say);
* ``relaxed``: optional in what the client parses, ``None`` when absent, each with its reason.

It may also add a response property that another documented surface sends (``added``) and accept
another spelling of one (``aliases``). Requests are never touched: a schema reachable from a
request body or parameter cannot be relaxed (split it first). Every rule is checked on each run,
so a contract change that makes an entry stale, or a newly required property nobody classified,
stops ``generate`` with one line naming it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._spec import JSON, SpecError, reachable_schemas, response_schema_names

__all__ = ["Overlay", "Rules", "apply_overlay", "load_overlay", "request_schema_names"]


@dataclass(frozen=True)
class Rules:
    """What the overlay says about one response schema."""

    required: dict[str, str] = field(default_factory=dict)
    relaxed: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    added: dict[str, tuple[JSON, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Overlay:
    schemas: dict[str, Rules]

    def relaxed(self) -> list[tuple[str, str, str]]:
        """(schema, property, reason) for every relaxed property, in file order."""
        return [
            (name, prop, reason)
            for name, rules in self.schemas.items()
            for prop, reason in rules.relaxed.items()
        ]


def _reason(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise SpecError(f"tolerant-reader.json: {where} needs a one-line reason")
    return value


def _table(raw: Any, key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"tolerant-reader.json: {where}.{key} must be an object")
    return value


def load_overlay(path: Path) -> Overlay | None:
    """Read the overlay; None when there is no file (every response then stays as strict)."""
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SpecError(f"tolerant-reader.json: not JSON ({exc})") from None
    schemas = raw.get("schemas") if isinstance(raw, dict) else None
    if not isinstance(schemas, dict):
        raise SpecError("tolerant-reader.json: needs a 'schemas' object")
    out: dict[str, Rules] = {}
    for name, entry in schemas.items():
        if not isinstance(entry, dict):
            raise SpecError(f"tolerant-reader.json: {name} must be an object")
        unknown = set(entry) - {"required", "relaxed", "aliases", "added"}
        if unknown:
            raise SpecError(f"tolerant-reader.json: {name} has unknown keys {sorted(unknown)}")
        required = {
            p: _reason(r, f"{name}.required.{p}")
            for p, r in _table(entry, "required", name).items()
        }
        relaxed = {
            p: _reason(r, f"{name}.relaxed.{p}") for p, r in _table(entry, "relaxed", name).items()
        }
        aliases: dict[str, tuple[list[str], str]] = {}
        for p, spec in _table(entry, "aliases", name).items():
            names = spec.get("also") if isinstance(spec, dict) else None
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(n, str) for n in names)
            ):
                raise SpecError(f"tolerant-reader.json: {name}.aliases.{p} needs an 'also' list")
            aliases[p] = (names, _reason(spec.get("reason"), f"{name}.aliases.{p}"))
        added: dict[str, tuple[JSON, str]] = {}
        for p, spec in _table(entry, "added", name).items():
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if not isinstance(schema, dict):
                raise SpecError(f"tolerant-reader.json: {name}.added.{p} needs a 'schema' object")
            added[p] = (schema, _reason(spec.get("reason"), f"{name}.added.{p}"))
        out[name] = Rules(required, relaxed, aliases, added)
    return Overlay(out)


def request_schema_names(doc: JSON) -> set[str]:
    """Component schemas a client sends: reachable from a request body or a parameter."""
    roots: list[Any] = []
    for item in doc.get("paths", {}).values():
        if not isinstance(item, dict):
            continue
        roots.append(item.get("parameters", []))
        for op in item.values():
            if isinstance(op, dict):
                roots += [op.get("requestBody", {}), op.get("parameters", [])]
    components = doc.get("components", {})
    roots += [components.get("requestBodies", {}), components.get("parameters", {})]
    return reachable_schemas(doc, roots)


def _problems(doc: JSON, overlay: Overlay) -> list[str]:
    schemas = doc.get("components", {}).get("schemas", {})
    sent = request_schema_names(doc)
    parsed = response_schema_names(doc) - sent
    problems: list[str] = []
    for name, rules in overlay.schemas.items():
        schema = schemas.get(name)
        if not isinstance(schema, dict):
            problems.append(f"{name}: no such schema in the contract any more; drop its entry")
            continue
        if name in sent:
            problems.append(
                f"{name} is also part of a request: requests stay strict, so relax only a "
                "response-only copy of it"
            )
            continue
        props = schema.get("properties", {})
        contract = list(schema.get("required", []))
        for prop in rules.required:
            if prop not in contract:
                problems.append(
                    f"{name}.{prop} is not required by the contract: the overlay only relaxes"
                )
            elif props.get(prop, {}).get("x-atlas-assumption"):
                problems.append(f"{name}.{prop} is an assumption: it cannot be required")
        for prop in rules.relaxed:
            if prop not in contract:
                problems.append(
                    f"{name}.{prop} is no longer required by the contract; drop it from relaxed"
                )
            elif prop in rules.required:
                problems.append(f"{name}.{prop} is both required and relaxed")
        for prop in rules.added:
            if prop in props:
                problems.append(f"{name}.{prop} is in the contract now; drop it from added")
        for prop, (names, _) in rules.aliases.items():
            if prop not in props and prop not in rules.added:
                problems.append(f"{name}.{prop}: an alias for a property that does not exist")
            problems += [
                f"{name}.{alias}: an alias that is a property of its own"
                for alias in names
                if alias in props or alias in rules.added
            ]
    for name in sorted(parsed):
        rules = overlay.schemas.get(name, Rules())
        problems += [
            f"{name}.{prop} is required by the contract: classify it in "
            "overrides/tolerant-reader.json (required: the SDK cannot work without it; "
            "relaxed: why it may be absent)"
            for prop in schemas[name].get("required", [])
            if prop not in rules.required and prop not in rules.relaxed
        ]
    return problems


def apply_overlay(doc: JSON, overlay: Overlay) -> JSON:
    """A copy of ``doc`` with the overlay applied; every problem found is named at once."""
    problems = _problems(doc, overlay)
    if problems:
        raise SpecError(
            "overrides/tolerant-reader.json does not fit the contract:\n  " + "\n  ".join(problems)
        )
    out = copy.deepcopy(doc)
    schemas = out["components"]["schemas"]
    for name, rules in overlay.schemas.items():
        schema = schemas[name]
        kept = [p for p in schema.get("required", []) if p in rules.required]
        if kept:
            schema["required"] = kept
        else:
            schema.pop("required", None)
        props = schema.setdefault("properties", {})
        for prop, (added, _why) in rules.added.items():
            props[prop] = copy.deepcopy(added)
        for prop, (names, _why) in rules.aliases.items():
            props[prop]["x-atlas-aliases"] = list(names)
    return out

"""The API change report: what changed between two versions of the contract, and what breaks.

Breaking (for code written against the old contract, and for the generated client):
a removed operation, webhook, parameter, request content type, success response or property;
a new required parameter or required request property (an existing property that became
required in a request counts too); a narrowed or otherwise changed type; a removed enum value;
a changed ``const``, ``$ref`` or operationId. Everything else (additions, widened types, new enum
values — atlas-async parses enums as open strings) is reported as non-breaking.

Each change located under a node the old contract marked ``x-atlas-assumption: true`` is tagged
``[assumption]``: that is where the live API differs from a point we had to choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._spec import JSON, reachable_schemas

__all__ = ["Change", "diff_specs", "render"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ASSUMPTION = "x-atlas-assumption"
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")


@dataclass(frozen=True, order=True)
class Change:
    """One difference. ``kind`` is ``added``, ``removed`` or ``changed``."""

    breaking: bool
    category: str  # operation, webhook, parameter, request body, response, schema, property, ...
    where: str
    kind: str
    detail: str = ""
    assumed: bool = False


def _schemas(doc: JSON) -> dict[str, Any]:
    schemas = doc.get("components", {}).get("schemas", {})
    return schemas if isinstance(schemas, dict) else {}


def _resolve(doc: JSON, node: Any) -> Any:
    """Follow a local ``$ref`` to a non-schema component (parameter, response, requestBody)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 16:
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref.startswith("#/components/schemas/"):
            return node
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            return node
        node = target
        seen += 1
    return node


def _request_schema_names(doc: JSON) -> set[str]:
    """Component schemas a client sends: reachable from request bodies and parameters."""
    roots: list[Any] = []
    for _key, op, params in _operations(doc, "paths"):
        roots.append(_resolve(doc, op.get("requestBody")))
        roots.extend(_resolve(doc, p) for p in params)
    return reachable_schemas(doc, roots)


def _operations(doc: JSON, section: str) -> Iterator[tuple[str, JSON, list[Any]]]:
    """(``METHOD path``, operation, path-level + operation-level parameters) for a section."""
    items = doc.get(section) or {}
    for path in sorted(items):
        item = items[path]
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield f"{method.upper()} {path}", op, [*shared, *(op.get("parameters") or [])]


def _types(schema: Any) -> set[str] | None:
    """The JSON types a schema admits, or None when it does not say (any, or a composition)."""
    if not isinstance(schema, dict) or "type" not in schema:
        return None
    raw = schema["type"]
    types = {raw} if isinstance(raw, str) else set(raw)
    if schema.get("nullable") is True:
        types.add("null")
    return types


def _covers(wide: set[str], narrow: set[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


class _Differ:
    def __init__(self, old: JSON, new: JSON) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.request_schemas = _request_schema_names(old) | _request_schema_names(new)

    def add(
        self,
        category: str,
        where: str,
        kind: str,
        detail: str = "",
        *,
        breaking: bool,
        assumed: bool = False,
    ) -> None:
        self.changes.append(Change(breaking, category, where, kind, detail, assumed))

    # -- schemas -------------------------------------------------------------------------------

    def schema(self, old: Any, new: Any, where: str, *, request: bool, assumed: bool) -> None:
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        assumed = assumed or bool(old.get(ASSUMPTION))
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if old_ref or new_ref:
            if old_ref != new_ref:
                self.add(
                    "type", where, "changed", f"{old_ref or 'inline'} -> {new_ref or 'inline'}",
                    breaking=True, assumed=assumed,
                )  # fmt: skip
            return
        self._type(old, new, where, assumed)
        if ("const" in old or "const" in new) and old.get("const") != new.get("const"):
            self.add(
                "const", where, "changed", f"{old.get('const')!r} -> {new.get('const')!r}",
                breaking=True, assumed=assumed,
            )  # fmt: skip
        self._enum(old, new, where, assumed)
        self._bounds(old, new, where, request=request, assumed=assumed)
        self._properties(old, new, where, request=request, assumed=assumed)
        if "items" in old or "items" in new:
            self.schema(
                old.get("items"), new.get("items"), f"{where}[]", request=request, assumed=assumed
            )
        old_ap, new_ap = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_ap, dict) and isinstance(new_ap, dict):
            self.schema(old_ap, new_ap, f"{where}{{*}}", request=request, assumed=assumed)
        for keyword in ("oneOf", "anyOf", "allOf"):
            self._variants(old, new, keyword, where, request=request, assumed=assumed)

    def _type(self, old: JSON, new: JSON, where: str, assumed: bool) -> None:
        before, after = _types(old), _types(new)
        if before is None or after is None or before == after:
            if old.get("format") != new.get("format") and before is not None:
                self.add(
                    "format", where, "changed", f"{old.get('format')} -> {new.get('format')}",
                    breaking=False, assumed=assumed,
                )  # fmt: skip
            return
        text = f"{'|'.join(sorted(before))} -> {'|'.join(sorted(after))}"
        if _covers(after, before):
            self.add("type", where, "widened", text, breaking=False, assumed=assumed)
        elif _covers(before, after):
            self.add("type", where, "narrowed", text, breaking=True, assumed=assumed)
        else:
            self.add("type", where, "changed", text, breaking=True, assumed=assumed)

    def _bounds(self, old: JSON, new: JSON, where: str, *, request: bool, assumed: bool) -> None:
        # A tighter bound rejects requests that used to pass; in a response it is harmless.
        for key in (*_LOWER, *_UPPER):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if key in _LOWER:
                tighter = after is not None and (before is None or after > before)
            else:
                tighter = after is not None and (before is None or after < before)
            self.add(
                "constraint", where, "tightened" if tighter else "relaxed",
                f"{key} {before} -> {after}", breaking=tighter and request, assumed=assumed,
            )  # fmt: skip
        if old.get("pattern") != new.get("pattern"):
            self.add(
                "constraint", where, "changed", f"pattern {old.get('pattern')} -> {new.get('pattern')}",
                breaking=request and new.get("pattern") is not None, assumed=assumed,
            )  # fmt: skip

    def _enum(self, old: JSON, new: JSON, where: str, assumed: bool) -> None:
        before: list[Any] | None = old.get("enum")
        after: list[Any] | None = new.get("enum")
        if before is None and after is None:
            return
        if before is None and after is not None:
            self.add("enum", where, "added", "now restricted to " + _values(after), breaking=True)
            return
        if before is None or after is None:
            self.add("enum", where, "removed", "any value accepted now", breaking=False)
            return
        gone = [v for v in before if v not in after]
        fresh = [v for v in after if v not in before]
        if gone:
            self.add("enum value", where, "removed", _values(gone), breaking=True, assumed=assumed)
        if fresh:
            self.add("enum value", where, "added", _values(fresh), breaking=False, assumed=assumed)

    def _properties(
        self, old: JSON, new: JSON, where: str, *, request: bool, assumed: bool
    ) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(old_props.keys() | new_props.keys()):
            at = f"{where}.{name}"
            if name not in new_props:
                flag = assumed or bool(old_props[name].get(ASSUMPTION))
                self.add("property", at, "removed", breaking=True, assumed=flag)
            elif name not in old_props:
                required = name in new_req
                detail = "required" if required else "optional"
                if required and request:
                    detail = "required in a request"
                self.add(
                    "property", at, "added", detail, breaking=required and request, assumed=assumed
                )
            else:
                flag = assumed or bool(old_props[name].get(ASSUMPTION))
                if name in new_req and name not in old_req:
                    self.add(
                        "property", at, "now required",
                        "in a request" if request else "always present in responses",
                        breaking=request, assumed=flag,
                    )  # fmt: skip
                elif name in old_req and name not in new_req:
                    self.add(
                        "property", at, "now optional",
                        "may be absent from responses" if not request else "",
                        breaking=not request, assumed=flag,
                    )  # fmt: skip
                self.schema(old_props[name], new_props[name], at, request=request, assumed=flag)

    def _variants(
        self, old: JSON, new: JSON, keyword: str, where: str, *, request: bool, assumed: bool
    ) -> None:
        before, after = old.get(keyword) or [], new.get(keyword) or []
        if not before and not after:
            return
        refs_before = [str(v["$ref"]) for v in before if isinstance(v, dict) and "$ref" in v]
        refs_after = [str(v["$ref"]) for v in after if isinstance(v, dict) and "$ref" in v]
        for ref in refs_before:
            if ref not in refs_after:
                self.add(
                    keyword, where, "variant removed", ref.rsplit("/", 1)[-1],
                    breaking=True, assumed=assumed,
                )  # fmt: skip
        for ref in refs_after:
            if ref not in refs_before:
                self.add(
                    keyword, where, "variant added", ref.rsplit("/", 1)[-1],
                    breaking=False, assumed=assumed,
                )  # fmt: skip
        inline_before = [v for v in before if isinstance(v, dict) and "$ref" not in v]
        inline_after = [v for v in after if isinstance(v, dict) and "$ref" not in v]
        for i, (a, b) in enumerate(zip(inline_before, inline_after, strict=False)):
            self.schema(a, b, f"{where}<{keyword}[{i}]>", request=request, assumed=assumed)

    # -- components ----------------------------------------------------------------------------

    def components(self) -> None:
        old, new = _schemas(self.old), _schemas(self.new)
        for name in sorted(old.keys() | new.keys()):
            if name not in new:
                flag = bool(old[name].get(ASSUMPTION)) if isinstance(old[name], dict) else False
                self.add("schema", name, "removed", breaking=True, assumed=flag)
            elif name not in old:
                self.add("schema", name, "added", breaking=False)
            else:
                request = name in self.request_schemas
                self.schema(old[name], new[name], name, request=request, assumed=False)

    # -- operations ----------------------------------------------------------------------------

    def operations(self, section: str, category: str) -> None:
        old = {key: (op, params) for key, op, params in _operations(self.old, section)}
        new = {key: (op, params) for key, op, params in _operations(self.new, section)}
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                op = old[key][0]
                self.add(
                    category, key, "removed", op.get("operationId", ""),
                    breaking=True, assumed=bool(op.get(ASSUMPTION)),
                )  # fmt: skip
            elif key not in old:
                self.add(category, key, "added", new[key][0].get("operationId", ""), breaking=False)
            else:
                self.operation(key, old[key], new[key])

    def operation(self, key: str, old: tuple[JSON, list[Any]], new: tuple[JSON, list[Any]]) -> None:
        (old_op, old_params), (new_op, new_params) = old, new
        assumed = bool(old_op.get(ASSUMPTION))
        if old_op.get("operationId") != new_op.get("operationId"):
            self.add(
                "operationId", key, "changed",
                f"{old_op.get('operationId')} -> {new_op.get('operationId')}",
                breaking=True, assumed=assumed,
            )  # fmt: skip
        self.parameters(key, old_params, new_params, assumed)
        self.request_body(key, old_op.get("requestBody"), new_op.get("requestBody"), assumed)
        self.responses(key, old_op.get("responses") or {}, new_op.get("responses") or {}, assumed)

    def parameters(self, key: str, old: list[Any], new: list[Any], assumed: bool) -> None:
        def index(doc: JSON, params: list[Any]) -> dict[str, JSON]:
            out: dict[str, JSON] = {}
            for raw in params:
                param = _resolve(doc, raw)
                if isinstance(param, dict) and "name" in param:
                    out[f"{param.get('in')} {param['name']}"] = param
            return out

        before, after = index(self.old, old), index(self.new, new)
        for name in sorted(before.keys() | after.keys()):
            at = f"{key} {name}"
            if name not in after:
                flag = assumed or bool(before[name].get(ASSUMPTION))
                self.add("parameter", at, "removed", breaking=True, assumed=flag)
            elif name not in before:
                required = bool(after[name].get("required"))
                self.add(
                    "parameter", at, "added", "required" if required else "optional",
                    breaking=required, assumed=assumed,
                )  # fmt: skip
            else:
                flag = assumed or bool(before[name].get(ASSUMPTION))
                if after[name].get("required") and not before[name].get("required"):
                    self.add("parameter", at, "now required", breaking=True, assumed=flag)
                self.schema(
                    before[name].get("schema"), after[name].get("schema"), at,
                    request=True, assumed=flag,
                )  # fmt: skip

    def request_body(self, key: str, old: Any, new: Any, assumed: bool) -> None:
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if not old and not new:
            return
        if not new:
            self.add("request body", key, "removed", breaking=True, assumed=assumed)
            return
        if not old:
            required = bool(new.get("required"))
            self.add(
                "request body", key, "added", "required" if required else "optional",
                breaking=required,
            )  # fmt: skip
            return
        if new.get("required") and not old.get("required"):
            self.add("request body", key, "now required", breaking=True, assumed=assumed)
        self._content(
            "request body", key, old.get("content") or {}, new.get("content") or {},
            request=True, assumed=assumed,
        )  # fmt: skip

    def responses(self, key: str, old: JSON, new: JSON, assumed: bool) -> None:
        for code in sorted(old.keys() | new.keys()):
            at = f"{key} -> {code}"
            before, after = _resolve(self.old, old.get(code)), _resolve(self.new, new.get(code))
            flag = assumed or (isinstance(before, dict) and bool(before.get(ASSUMPTION)))
            if after is None:
                self.add("response", at, "removed", breaking=code.startswith("2"), assumed=flag)
            elif before is None:
                self.add("response", at, "added", breaking=False)
            else:
                self._content(
                    "response", at, before.get("content") or {}, after.get("content") or {},
                    request=False, assumed=flag,
                )  # fmt: skip

    def _content(
        self, category: str, where: str, old: JSON, new: JSON, *, request: bool, assumed: bool
    ) -> None:
        for media in sorted(old.keys() | new.keys()):
            at = f"{where} [{media}]"
            if media not in new:
                self.add(category, at, "content type removed", breaking=True, assumed=assumed)
            elif media not in old:
                self.add(category, at, "content type added", breaking=False, assumed=assumed)
            else:
                self.schema(
                    old[media].get("schema"), new[media].get("schema"), at,
                    request=request, assumed=assumed,
                )  # fmt: skip


def _values(values: Iterable[Any]) -> str:
    return ", ".join(repr(v) if not isinstance(v, str) else v for v in values)


def diff_specs(old: JSON, new: JSON) -> list[Change]:
    """Every difference between two contracts, breaking changes first."""
    differ = _Differ(old, new)
    differ.operations("paths", "operation")
    differ.operations("webhooks", "webhook")
    differ.components()
    return sorted(differ.changes, key=lambda c: (not c.breaking, c.category, c.where, c.kind))


_MARK = {"added": "+", "removed": "-"}


def render(changes: list[Change], old_name: str, new_name: str) -> str:
    """The report a person reads after ``pull`` or ``diff``."""
    breaking = [c for c in changes if c.breaking]
    other = [c for c in changes if not c.breaking]
    lines = [f"API change report: {old_name} -> {new_name}"]
    if not changes:
        lines.append("  no API changes")
        return "\n".join(lines)
    lines.append(f"  {len(breaking)} breaking, {len(other)} non-breaking")
    for title, group in (("BREAKING", breaking), ("non-breaking", other)):
        if not group:
            continue
        lines.append(f"{title}:")
        for c in group:
            mark = _MARK.get(c.kind, "~")
            text = f"  {mark} {c.category} {c.kind}: {c.where}"
            if c.detail:
                text += f" ({c.detail})"
            if c.assumed:
                text += " [assumption]"
            lines.append(text)
    return "\n".join(lines)

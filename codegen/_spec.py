"""Loading, normalising and patching the OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jsonpatch

__all__ = [
    "ContractPatch",
    "SpecError",
    "apply_patches",
    "assumption_points",
    "closed_response_enums",
    "dump_spec",
    "load_patches",
    "load_spec",
    "parse_spec",
    "reachable_schemas",
    "response_schema_names",
]

JSON = dict[str, Any]


class SpecError(Exception):
    """The document or a patch is unusable; the message is one line meant for a person."""


def parse_spec(text: str | bytes, source: str) -> JSON:
    """Parse an OpenAPI 3.x JSON document, refusing anything else with a one-line reason."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError(f"{source} is not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SpecError(f"{source} is not a JSON object")
    version = doc.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(f"{source} is not an OpenAPI 3.x document (openapi: {version!r})")
    if not isinstance(doc.get("paths"), dict):
        raise SpecError(f"{source} has no paths object")
    return cast(JSON, doc)


def load_spec(path: Path) -> JSON:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    return parse_spec(text, str(path))


def dump_spec(doc: JSON) -> str:
    """The normalised text: sorted keys, 2-space indent, UTF-8, one trailing newline.

    Sorting makes a pulled spec diff cleanly against the vendored one whatever order the server
    serialises in.
    """
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ContractPatch:
    """One RFC 6902 JSON Patch with the one-line reason it exists."""

    name: str
    reason: str
    operations: list[JSON]


def load_patches(directory: Path) -> list[ContractPatch]:
    """Every ``*.json`` patch in ``directory``, in file-name order (``NN-name.json``)."""
    patches: list[ContractPatch] = []
    for path in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise SpecError(f"{path.name}: not JSON ({exc})") from None
        reason = raw.get("reason") if isinstance(raw, dict) else None
        ops = raw.get("patch") if isinstance(raw, dict) else None
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
            raise SpecError(f"{path.name}: needs a one-line 'reason'")
        if not isinstance(ops, list) or not ops:
            raise SpecError(f"{path.name}: needs a non-empty 'patch' list (RFC 6902 operations)")
        patches.append(ContractPatch(path.name, reason, ops))
    return patches


def apply_patches(doc: JSON, patches: list[ContractPatch]) -> JSON:
    """A patched copy of ``doc``; a patch that no longer applies names itself and stops the run."""
    for patch in patches:
        try:
            doc = cast(JSON, jsonpatch.apply_patch(doc, patch.operations, in_place=False))
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise SpecError(
                f"patch {patch.name} no longer applies to openapi.json ({exc}); "
                "update or drop it (its reason: " + patch.reason + ")"
            ) from None
    return doc


def schema_refs(node: Any) -> set[str]:
    """Names of the component schemas referenced anywhere inside ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                found.add(ref.rsplit("/", 1)[1])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def reachable_schemas(doc: JSON, roots: Any) -> set[str]:
    """Component schemas referenced from ``roots``, directly or through other schemas."""
    schemas = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    todo = schema_refs(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo |= schema_refs(schemas[name])
    return seen


def response_schema_names(doc: JSON) -> set[str]:
    """Component schemas a client parses: reachable from any response (or a webhook body)."""
    roots: list[Any] = []
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                roots.append(op["responses"])
    roots.append(doc.get("components", {}).get("responses", {}))
    roots.append(doc.get("webhooks", {}))
    return reachable_schemas(doc, roots)


def closed_response_enums(doc: JSON) -> list[str]:
    """JSON pointers of string enums a generated parser would reject unknown values of.

    Only component schemas are checked: every Atlas response enum is a named component, and
    ``generate`` refuses to run while one of them is still closed (see overrides/patches).
    """
    schemas = doc.get("components", {}).get("schemas", {})
    found: list[str] = []
    for name in sorted(response_schema_names(doc)):
        stack: list[tuple[str, Any]] = [(f"/components/schemas/{name}", schemas[name])]
        while stack:
            pointer, node = stack.pop()
            if isinstance(node, dict):
                if "enum" in node and "$ref" not in node:
                    found.append(pointer)
                for key, value in node.items():
                    if key not in ("examples", "example", "default", "enum", "x-known-values"):
                        stack.append((f"{pointer}/{key}", value))
            elif isinstance(node, list):
                stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))
    return sorted(found)


def assumption_points(doc: JSON) -> list[str]:
    """JSON pointers of every node marked ``x-atlas-assumption: true``, in document order."""
    found: list[str] = []

    def walk(pointer: str, node: Any) -> None:
        if isinstance(node, dict):
            if node.get("x-atlas-assumption") is True:
                found.append(pointer or "/")
            for key, value in node.items():
                if key not in ("examples", "example"):
                    walk(f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}", value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(f"{pointer}/{i}", value)

    walk("", doc)
    return found

"""diff: every kind of change is found and classified breaking / non-breaking correctly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codegen._diff import Change, diff_specs, render
from codegen._paths import DEFAULT_ROOT

Run = Callable[..., Any]  # the `run` fixture from conftest.py
Spec = dict[str, Any]


def _base() -> Spec:
    """A small contract with a request schema, a response schema, an enum and parameters."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 100},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                },
                "post": {
                    "operationId": "create_thing",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ThingInput"}
                            }
                        },
                    },
                    "responses": {"201": {"description": "created"}, "409": {"description": "c"}},
                },
            }
        },
        "webhooks": {
            "thing.made": {
                "post": {"operationId": "on_thing", "responses": {"200": {"description": "ok"}}}
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"$ref": "#/components/schemas/Status"},
                        "note": {"type": ["string", "null"]},
                        "count": {"type": "integer"},
                        "kind": {"type": "string", "const": "thing"},
                    },
                },
                "ThingInput": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "tag": {"type": "string"}},
                },
                "Status": {"type": "string", "enum": ["new", "done"], "x-atlas-assumption": True},
            }
        },
    }


def _at(doc: Spec, *keys: str) -> Any:
    node: Any = doc
    for key in keys:
        node = node[key]
    return node


Mutation = Callable[[Spec], None]
S = ("components", "schemas")
GET = ("paths", "/things", "get")

CASES: list[tuple[str, Mutation, str, str, str, bool]] = [
    # id, mutation, expected category, kind, where, breaking
    (
        "op removed",
        lambda d: _at(d, "paths", "/things").pop("post"),
        "operation",
        "removed",
        "POST /things",
        True,
    ),
    (
        "op added",
        lambda d: _at(d, "paths").update({"/x": {"get": {"operationId": "x", "responses": {}}}}),
        "operation",
        "added",
        "GET /x",
        False,
    ),
    (
        "webhook removed",
        lambda d: d["webhooks"].clear(),
        "webhook",
        "removed",
        "POST thing.made",
        True,
    ),
    (
        "operationId renamed",
        lambda d: _at(d, *GET).update(operationId="things"),
        "operationId",
        "changed",
        "GET /things",
        True,
    ),
    (
        "property removed",
        lambda d: _at(d, *S, "Thing", "properties").pop("count"),
        "property",
        "removed",
        "Thing.count",
        True,
    ),
    (
        "response property added",
        lambda d: _at(d, *S, "Thing", "properties").update(extra={"type": "string"}),
        "property",
        "added",
        "Thing.extra",
        False,
    ),
    (
        "optional request property added",
        lambda d: _at(d, *S, "ThingInput", "properties").update(x={"type": "string"}),
        "property",
        "added",
        "ThingInput.x",
        False,
    ),
    (
        "required request property added",
        lambda d: (
            _at(d, *S, "ThingInput", "properties").update(x={"type": "string"}),
            _at(d, *S, "ThingInput", "required").append("x"),
        ),
        "property",
        "added",
        "ThingInput.x",
        True,
    ),
    (
        "request property now required",
        lambda d: _at(d, *S, "ThingInput", "required").append("tag"),
        "property",
        "now required",
        "ThingInput.tag",
        True,
    ),
    (
        "response property now required",
        lambda d: _at(d, *S, "Thing", "required").append("count"),
        "property",
        "now required",
        "Thing.count",
        False,
    ),
    (
        "response property now optional",
        lambda d: _at(d, *S, "Thing", "required").remove("status"),
        "property",
        "now optional",
        "Thing.status",
        True,
    ),
    (
        "type narrowed",
        lambda d: _at(d, *S, "Thing", "properties", "note").update(type="string"),
        "type",
        "narrowed",
        "Thing.note",
        True,
    ),
    (
        "type widened",
        lambda d: _at(d, *S, "Thing", "properties", "count").update(type="number"),
        "type",
        "widened",
        "Thing.count",
        False,
    ),
    (
        "type changed",
        lambda d: _at(d, *S, "Thing", "properties", "id").update(type="integer"),
        "type",
        "changed",
        "Thing.id",
        True,
    ),
    (
        "enum value removed",
        lambda d: _at(d, *S, "Status", "enum").remove("done"),
        "enum value",
        "removed",
        "Status",
        True,
    ),
    (
        "enum value added",
        lambda d: _at(d, *S, "Status", "enum").append("archived"),
        "enum value",
        "added",
        "Status",
        False,
    ),
    (
        "const changed",
        lambda d: _at(d, *S, "Thing", "properties", "kind").update(const="other"),
        "const",
        "changed",
        "Thing.kind",
        True,
    ),
    (
        "schema removed",
        lambda d: _at(d, *S).pop("Status") and _at(d, *S, "Thing", "properties").pop("status"),
        "schema",
        "removed",
        "Status",
        True,
    ),
    (
        "schema added",
        lambda d: _at(d, *S).update(New={"type": "object"}),
        "schema",
        "added",
        "New",
        False,
    ),
    (
        "required parameter added",
        lambda d: _at(d, *GET, "parameters").append(
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        "parameter",
        "added",
        "GET /things query q",
        True,
    ),
    (
        "optional parameter added",
        lambda d: _at(d, *GET, "parameters").append(
            {"name": "q", "in": "query", "schema": {"type": "string"}}
        ),
        "parameter",
        "added",
        "GET /things query q",
        False,
    ),
    (
        "parameter removed",
        lambda d: _at(d, *GET, "parameters").clear(),
        "parameter",
        "removed",
        "GET /things query limit",
        True,
    ),
    (
        "request bound tightened",
        lambda d: _at(d, *GET)["parameters"][0]["schema"].update(maximum=50),
        "constraint",
        "tightened",
        "GET /things query limit",
        True,
    ),
    (
        "success response removed",
        lambda d: _at(d, "paths", "/things", "post", "responses").pop("201"),
        "response",
        "removed",
        "POST /things -> 201",
        True,
    ),
    (
        "error response removed",
        lambda d: _at(d, "paths", "/things", "post", "responses").pop("409"),
        "response",
        "removed",
        "POST /things -> 409",
        False,
    ),
    (
        "request content type added",
        lambda d: _at(d, "paths", "/things", "post", "requestBody", "content").update(
            {"multipart/form-data": {}}
        ),
        "request body",
        "content type added",
        "POST /things [multipart/form-data]",
        False,
    ),
    (
        "request content type removed",
        lambda d: _at(d, "paths", "/things", "post", "requestBody", "content").clear(),
        "request body",
        "content type removed",
        "POST /things [application/json]",
        True,
    ),
    (
        "request property type narrowed",
        lambda d: _at(d, *S, "ThingInput", "properties", "tag").update(type="null"),
        "type",
        "changed",
        "ThingInput.tag",
        True,
    ),
]


@pytest.mark.parametrize(
    ("mutate", "category", "kind", "where", "breaking"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_change_is_classified(
    mutate: Mutation, category: str, kind: str, where: str, breaking: bool
) -> None:
    old = _base()
    new = copy.deepcopy(old)
    mutate(new)
    changes = diff_specs(old, new)
    matching = [c for c in changes if (c.category, c.kind, c.where) == (category, kind, where)]
    assert matching, f"not reported; got {changes}"
    assert matching[0].breaking is breaking


def test_identical_specs_have_no_changes() -> None:
    assert diff_specs(_base(), _base()) == []
    assert "no API changes" in render([], "a", "b")


def test_changes_under_an_assumption_are_tagged() -> None:
    old = _base()
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Status"]["enum"].append("archived")
    (change,) = diff_specs(old, new)
    assert change == Change(False, "enum value", "Status", "added", "archived", True)
    assert render([change], "a", "b").endswith("+ enum value added: Status (archived) [assumption]")


def test_cli_exit_code_reflects_breaking_changes(tmp_path: Path, run: Run) -> None:
    old = _base()
    widened, narrowed = copy.deepcopy(old), copy.deepcopy(old)
    widened["components"]["schemas"]["Status"]["enum"].append("archived")
    narrowed["components"]["schemas"]["Status"]["enum"].remove("done")
    files = {}
    for name, doc in {"old": old, "widened": widened, "narrowed": narrowed}.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(doc))

    ok = run("diff", files["old"], files["widened"])
    assert ok.code == 0
    assert "0 breaking, 1 non-breaking" in ok.out

    bad = run("diff", files["old"], files["narrowed"])
    assert bad.code == 1
    assert "BREAKING:\n  - enum value removed: Status (done) [assumption]" in bad.out


def test_cli_diff_of_a_missing_file_is_one_line(tmp_path: Path, run: Run) -> None:
    result = run("diff", DEFAULT_ROOT / "openapi.json", tmp_path / "nope.json")
    assert result.code == 2
    assert result.err.startswith("codegen diff: cannot read")
    assert result.err.count("\n") == 1

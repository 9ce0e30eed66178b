"""The tolerant-reader overlay: responses require only what the SDK needs, requests stay strict,
and every contract change that makes the overlay stale stops `generate` with one line naming it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from atlas_async._generated import models
from codegen._paths import DEFAULT_ROOT, Layout
from codegen._spec import apply_patches, dump_spec, load_patches, load_spec, response_schema_names
from codegen._tolerant import apply_overlay, load_overlay, request_schema_names

Run = Callable[..., Any]
LAYOUT = Layout(DEFAULT_ROOT)
OVERLAY = load_overlay(LAYOUT.tolerant)
assert OVERLAY is not None
PATCHED = apply_patches(load_spec(LAYOUT.spec), load_patches(LAYOUT.patches))
APPLIED = apply_overlay(PATCHED, OVERLAY)
# Schemas whose class the generator renames (overrides/config.yaml class_overrides).
CLASS_NAMES = {"Party": "EnvelopeParty", "PartyInput": "Party"}


def _edit(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(dump_spec(doc), encoding="utf-8")


def _required_wire_names(schema_name: str) -> set[str]:
    model = getattr(models, CLASS_NAMES.get(schema_name, schema_name))
    return {wire for wire, _, required in model._atlas_fields if required}


def test_a_response_model_requires_exactly_what_the_overlay_keeps() -> None:
    assert OVERLAY is not None
    parsed = response_schema_names(PATCHED) - request_schema_names(PATCHED)
    for name in sorted(parsed):
        rules = OVERLAY.schemas.get(name)
        kept = set(rules.required) if rules else set()
        if not PATCHED["components"]["schemas"][name].get("required"):
            continue
        assert rules is not None, f"{name} is not classified"
        assert set(APPLIED["components"]["schemas"][name].get("required", [])) == kept
        assert _required_wire_names(name) == kept, name


def test_requests_stay_exactly_as_strict_as_the_contract() -> None:
    for name in sorted(request_schema_names(PATCHED)):
        before = PATCHED["components"]["schemas"][name]
        assert APPLIED["components"]["schemas"][name] == before, name
        required = set(before.get("required", []))
        model = getattr(models, CLASS_NAMES.get(name, name), None)
        if model is None or not hasattr(model, "_atlas_fields"):
            continue  # an enum
        assert {wire for wire, _, req in model._atlas_fields if req} == required, name
        # ...and the model's constructor still insists on them
        mandatory = {f.name for f in attrs.fields(model) if f.default is attrs.NOTHING}
        assert {attr for wire, attr, req in model._atlas_fields if req} == mandatory, name


def test_every_relaxed_property_was_required_and_says_why() -> None:
    assert OVERLAY is not None
    relaxed = OVERLAY.relaxed()
    assert len(relaxed) > 50
    for schema, prop, reason in relaxed:
        assert prop in PATCHED["components"]["schemas"][schema]["required"], (schema, prop)
        assert reason.strip()
        assert "\n" not in reason


def test_the_create_answer_accepts_the_docs_pages_spellings() -> None:
    legacy = {
        "success": True,
        "sign_url": "https://atlaswork.ai/sign/env_abc123",
        "envelope_id": "env_abc123",
        "detected_fields": [{"label": "Signature", "type": "signature", "page": 1}],
    }
    created = models.CreateEnvelopeResponse.from_dict(legacy)
    assert created.envelope_id == "env_abc123"
    assert created.sign_url == legacy["sign_url"]
    assert created.fields is not None
    assert (created.fields[0].type_, created.fields[0].page) == ("signature", 1)
    assert created.fields[0].x_pct is None
    assert created["success"] is True  # kept, as a property the SDK does not know
    assert created.review_url is None
    # the contract's own spelling wins when both come
    both = models.CreateEnvelopeResponse.from_dict(
        {"envelope_id": "e", "fields": [], "detected_fields": [{"page": 2}]}
    )
    assert both.fields == []


def test_a_newly_required_response_property_must_be_classified(project: Path, run: Run) -> None:
    def require(doc: dict[str, Any]) -> None:
        envelope = doc["components"]["schemas"]["Envelope"]
        envelope["properties"]["archived_at"] = {"format": "date-time", "type": "string"}
        envelope["required"].append("archived_at")

    _edit(project / "openapi.json", require)
    result = run("--root", project, "generate")
    assert result.code == 2
    assert "Envelope.archived_at is required by the contract: classify it" in result.err


def test_a_request_schema_cannot_be_relaxed(project: Path, run: Run) -> None:
    def relax(doc: dict[str, Any]) -> None:
        doc["schemas"]["PartyInput"] = {"relaxed": {"email": "no"}}

    _edit(project / "overrides" / "tolerant-reader.json", relax)
    result = run("--root", project, "generate")
    assert result.code == 2
    assert "PartyInput is also part of a request" in result.err


def test_stale_entries_name_themselves(project: Path, run: Run) -> None:
    def drift(doc: dict[str, Any]) -> None:
        schemas = doc["components"]["schemas"]
        schemas["CreateEnvelopeResponse"]["required"].remove("review_url")
        schemas["CreateEnvelopeResponse"]["properties"]["envelope_id"]["x-atlas-assumption"] = True
        schemas["CreateEnvelopeResponse"]["properties"]["sign_url"] = {"type": "string"}

    _edit(project / "openapi.json", drift)
    result = run("--root", project, "generate")
    assert result.code == 2
    for line in (
        "CreateEnvelopeResponse.review_url is no longer required by the contract",
        "CreateEnvelopeResponse.envelope_id is an assumption: it cannot be required",
        "CreateEnvelopeResponse.sign_url is in the contract now; drop it from added",
    ):
        assert line in result.err


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"relaxed": {"status": ""}}, "needs a one-line reason"),
        ({"relaxed": {"status": "two\nlines"}}, "needs a one-line reason"),
        ({"loosen": {}}, "unknown keys"),
        ({"aliases": {"status": {"reason": "x"}}}, "needs an 'also' list"),
    ],
)
def test_a_malformed_overlay_entry_is_refused(
    project: Path, run: Run, entry: dict[str, Any], message: str
) -> None:
    def put(doc: dict[str, Any]) -> None:
        doc["schemas"]["EnvelopeProgress"] = entry

    _edit(project / "overrides" / "tolerant-reader.json", put)
    result = run("--root", project, "generate")
    assert result.code == 2
    assert message in result.err


def test_without_the_overlay_file_responses_stay_as_the_contract_says(
    project: Path, run: Run
) -> None:
    (project / "overrides" / "tolerant-reader.json").unlink()
    assert run("--root", project, "generate").code == 0
    text = (project / "atlas_async" / "_generated" / "models" / "envelope_progress.py").read_text()
    assert "    sign_url: None | str = " in text  # required again (a nullable str, no default)


def test_the_maintainers_page_lists_every_overlay_entry() -> None:
    # docs/maintainers/real-spec.md carries the relaxed and required tables: they must not drift
    assert OVERLAY is not None
    rows = [
        line
        for line in (DEFAULT_ROOT / "docs" / "maintainers" / "real-spec.md")
        .read_text()
        .splitlines()
        if line.startswith("| `")
    ]
    for name, rules in OVERLAY.schemas.items():
        for prop, reason in [*rules.relaxed.items(), *rules.required.items()]:
            assert any(
                f"`{name}`" in row and f"`{prop}`" in row and reason in row for row in rows
            ), f"{name}.{prop} is not in docs/maintainers/real-spec.md with its reason"


def test_codegen_lists_the_assumption_points(run: Run) -> None:
    result = run("assumptions")
    assert result.code == 0
    assert "/components/schemas/CreateEnvelopeResponse\n" in result.out
    assert "/paths/~1api~1envelope/post/responses/201\n" in result.out
    assert result.out.rstrip().endswith("point(s) marked x-atlas-assumption in openapi.json")

"""The other direction, fuzzed: take any valid answer of the emulator, drop any properties that are
not truly required (at any depth), and the answer still parses, keeping what was left."""

from __future__ import annotations

import copy
import functools
import re
import typing
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas_async import Atlas, Party
from atlas_async._generated import models
from atlas_async.samples import SAMPLE_PDF
from atlas_async.testing import FakeAtlas

# (method, path pattern) of each 2xx answer -> the model the SDK parses it with.
MODELS: list[tuple[str, str, type]] = [
    ("POST", r"/api/envelope", models.CreateEnvelopeResponse),
    ("GET", r"/api/envelope/[^/]+", models.Envelope),
    ("POST", r"/api/envelope/[^/]+/(send|void|decline)", models.Envelope),
    ("GET", r"/api/envelope/[^/]+/status", models.EnvelopeProgress),
    ("GET", r"/api/envelopes", models.EnvelopeList),
    ("PATCH", r"/api/envelope/[^/]+/fields", models.FieldsResponse),
    ("POST", r"/api/envelope/[^/]+/remind", models.RemindResponse),
    ("POST", r"/api/templates/infer-fields", models.InferFieldsResponse),
    ("POST", r"/api/templates/upload", models.UploadTemplateResponse),
    ("GET", r"/api/templates", models.TemplateList),
    ("GET", r"/api/templates/[^/]+", models.Template),
    ("POST", r"/api/templates/[^/]+/send", models.TemplateSendResponse),
    ("POST", r"/api/platform/connected-accounts", models.ConnectedAccountCreateResponse),
    ("GET", r"/api/platform/connected-accounts", models.ConnectedAccountList),
    ("PATCH", r"/api/platform/connected-accounts/[^/]+", models.ConnectedAccount),
]
FIELDS = [
    {"type": "signature", "page": 1, "x_pct": 0.1, "y_pct": 0.8, "w_pct": 0.3, "h_pct": 0.05},
]
PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]


def _model_for(method: str, path: str) -> type | None:
    for want, pattern, model in MODELS:
        if want == method and re.fullmatch(pattern, path):
            return model
    return None


async def _run_every_operation() -> list[tuple[type, dict[str, Any]]]:
    """One run of every operation on the emulator, keeping each 2xx JSON answer."""
    fake = FakeAtlas(detection_delay=0.0)
    platform = fake.create_org(platform=True)
    answers: list[tuple[type, dict[str, Any]]] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        model = _model_for(response.request.method, response.request.url.path)
        if response.is_success and model is not None:
            answers.append((model, response.json()))

    async with httpx.AsyncClient(
        transport=fake.transport(), event_hooks={"response": [keep]}
    ) as http:
        atlas = Atlas(fake.api_key, base_url=fake.base_url, http_client=http)
        assert platform.platform_key is not None
        owner = Atlas(platform.platform_key, base_url=fake.base_url, http_client=http)
        env = await atlas.envelopes.create_and_send(SAMPLE_PDF, parties=PARTIES)
        await atlas.envelopes.status(env.envelope_id)
        await atlas.envelopes.remind(env.envelope_id)
        await fake.sign(env.envelope_id)
        await atlas.envelopes.list()
        other = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES, metadata={"k": "v"})
        await atlas.envelopes.wait_for_fields(other.envelope_id)
        await atlas.envelopes.update_fields(other.envelope_id, [{**FIELDS[0], "party_order": 1}])
        await atlas.envelopes.void(other.envelope_id, reason="test")
        declined = await atlas.envelopes.create_and_send(SAMPLE_PDF, parties=PARTIES)
        sign_url = fake.sign_url(declined.envelope_id)
        await atlas.envelopes.decline(declined.envelope_id, reason="no", sign_url=sign_url)
        await atlas.templates.infer_fields(SAMPLE_PDF)
        template = await atlas.templates.upload(
            "NDA", SAMPLE_PDF, fields=[{**f, "role": "Customer", "party_order": 1} for f in FIELDS]
        )
        await atlas.templates.get(template.template_id)
        await atlas.templates.list()
        await atlas.templates.send(template.template_id, parties=PARTIES[:1])
        await owner.platform.connected_accounts.create("acme", name="Acme")
        accounts = await owner.platform.connected_accounts.list()
        await owner.platform.connected_accounts.suspend(accounts.items[0].connected_org_id)
    return answers


@functools.cache
def answers() -> list[tuple[type, dict[str, Any]]]:
    """Every 2xx answer of one run on the emulator (made once, on first use)."""
    return anyio.run(_run_every_operation)


def test_the_emulator_answered_every_operation() -> None:
    assert {model for model, _ in answers()} == {model for _, _, model in MODELS}


def _nested_model(hint: Any) -> type | None:
    """The model class inside ``X | None`` or ``list[X] | None``, if any."""
    for arg in (*typing.get_args(hint), hint):
        if isinstance(arg, type) and hasattr(arg, "_atlas_fields"):
            return arg
        if typing.get_origin(arg) is list:
            return _nested_model(typing.get_args(arg)[0])
    return None


def _droppable(
    model: type, data: dict[str, Any], at: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Paths of the properties present in ``data`` that are not truly required, at any depth."""
    hints = typing.get_type_hints(model)
    for wire, attr, required in model._atlas_fields:  # type: ignore[attr-defined]
        if wire not in data:
            continue
        if not required:
            yield (*at, wire)
        inner = _nested_model(hints[attr])
        value = data[wire]
        if inner is not None and isinstance(value, dict):
            yield from _droppable(inner, value, (*at, wire))
        elif inner is not None and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _droppable(inner, item, (*at, wire, i))


def _without(data: Any, paths: list[tuple[Any, ...]]) -> Any:
    """A copy of ``data`` without the properties at ``paths`` (absent ones are skipped)."""
    out = copy.deepcopy(data)
    for path in sorted(paths, key=len, reverse=True):
        node = out
        for step in path[:-1]:
            node = node[step] if isinstance(node, list) or step in node else None
            if node is None:
                break
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return out


@st.composite
def thinned(draw: st.DrawFn) -> tuple[type, dict[str, Any], dict[str, Any], list[tuple[Any, ...]]]:
    model, data = draw(st.sampled_from(answers()))
    paths = list(_droppable(model, data))
    dropped = draw(st.lists(st.sampled_from(paths), unique=True)) if paths else []
    # dropping a parent drops its children: keep only the outermost of nested choices
    dropped = [p for p in dropped if not any(p[: len(q)] == q and p != q for q in dropped)]
    return model, data, _without(data, dropped), dropped


@settings(max_examples=300, deadline=None)
@given(thinned())
def test_dropping_what_is_not_required_still_parses(
    case: tuple[type, dict[str, Any], dict[str, Any], list[tuple[Any, ...]]],
) -> None:
    model, original, data, dropped = case
    parsed = model.from_dict(data)  # type: ignore[attr-defined]
    for path in dropped:  # a dropped property reads as None
        node: Any = parsed
        for step in path:
            node = node[step]
        assert node is None, path
    # what was kept reads as the full answer reads
    full = model.from_dict(original).to_dict()  # type: ignore[attr-defined]
    assert parsed.to_dict() == _without(full, dropped)


def test_the_truly_required_ones_are_what_the_overlay_keeps() -> None:
    # sanity of the fuzz itself: it never drops envelope_id from a create answer
    model, data = next((m, d) for m, d in answers() if m is models.CreateEnvelopeResponse)
    assert ("envelope_id",) not in set(_droppable(model, data))
    with pytest.raises(ValueError, match="envelope_id"):
        model.from_dict(_without(data, [("envelope_id",)]))  # type: ignore[attr-defined]

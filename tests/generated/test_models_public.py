"""What users see of the generated models: public names and defaults, None instead of Unset,
item access, to_dict()/to_json(), reprs without secrets, and parse errors that name the field."""

from __future__ import annotations

import datetime
import json
import pydoc

import pytest

import atlas_async
from atlas_async import (
    CreateEnvelopeResponse,
    Envelope,
    EnvelopeParty,
    Field,
    FieldInput,
    Party,
    _models,
)
from atlas_async._generated import models
from atlas_async._generated.types import ParseError

PUBLIC = [
    getattr(_models, name)
    for name in _models.__all__
    if isinstance(getattr(_models, name), type) and hasattr(getattr(_models, name), "to_dict")
]


def test_help_shows_the_public_name_and_defaults() -> None:
    text = pydoc.render_doc(atlas_async.Party, renderer=pydoc.plaintext)
    assert "class Party(" in text
    assert "order: 'int | None' = None" in text
    assert "Unset" not in text
    assert "object at 0x" not in text
    assert atlas_async.EnvelopeParty.__name__ == "EnvelopeParty"


@pytest.mark.parametrize("model", PUBLIC, ids=lambda m: m.__name__)
def test_every_public_model_documents_to_dict_and_to_json(model: type) -> None:
    for method in ("to_dict", "to_json", "from_dict"):
        assert getattr(model, method).__doc__, f"{model.__name__}.{method}"
    assert "Unset" not in pydoc.render_doc(model, renderer=pydoc.plaintext)


def test_item_access_reads_declared_fields_by_wire_name_and_extras() -> None:
    field = Field.from_dict({"type": "signature", "page": 2, "brand_new": [1]})
    assert field["type"] == "signature"  # the wire name (the attribute is type_)
    assert field["page"] == 2
    assert field["label"] is None  # declared, absent
    assert field["brand_new"] == [1]
    assert "type" in field
    assert "label" not in field
    assert "nope" not in field
    with pytest.raises(KeyError):
        field["nope"]
    assert field.keys() == ["page", "type", "brand_new"]
    assert dict(field) == {"page": 2, "type": "signature", "brand_new": [1]}
    field["label"] = "Sign here"
    field["other"] = 1
    assert (field.label, field.additional_properties["other"]) == ("Sign here", 1)
    del field["label"]
    del field["other"]
    assert field.label is None
    assert field.additional_keys == ["brand_new"]


def test_to_dict_leaves_none_out_and_to_json_is_its_json() -> None:
    party = Party(email="jane@example.com", name="Jane", role="Customer")
    assert party.to_dict() == {"email": "jane@example.com", "name": "Jane", "role": "Customer"}
    assert json.loads(party.to_json()) == party.to_dict()
    # A nullable optional request field (FieldInput.label): None means "not given" and is left
    # out, which the contract reads the same as null (no label).
    field = FieldInput(type_="text", page=1, x_pct=0, y_pct=0, w_pct=0.1, h_pct=0.1, party_order=1)
    assert "label" not in field.to_dict()
    assert models.CreateEnvelopeFromUrl(document_url="https://x.test/a.pdf").to_dict() == {
        "document_url": "https://x.test/a.pdf"
    }
    sent = models.TemplateSendRequest(parties=[party], auto_send=False).to_dict()
    assert sent == {"parties": [party.to_dict()], "auto_send": False}


def test_dates_parse_rfc3339_with_z_and_write_back_isoformat() -> None:
    env = Envelope.from_dict({"envelope_id": "e", "created_at": "2026-03-02T14:05:09.123Z"})
    assert env.created_at == datetime.datetime(2026, 3, 2, 14, 5, 9, 123000, tzinfo=datetime.UTC)
    assert env.to_dict()["created_at"] == "2026-03-02T14:05:09.123000+00:00"


def test_reprs_hide_the_tokens_in_urls_and_token_fields() -> None:
    created = CreateEnvelopeResponse.from_dict(
        {"envelope_id": "e", "review_url": "https://atlaswork.ai/review/e?rt=rt_secret"}
    )
    assert "rt_secret" not in repr(created)
    assert "https://atlaswork.ai/review/e?rt=%2A%2A%2A" in repr(created)
    signer = EnvelopeParty(email="a@b.example", sign_url="https://atlaswork.ai/sign/e?t=st_secret")
    assert "st_secret" not in repr(signer)
    token = models.OAuthTokenResponse(access_token="at_secret", refresh_token="rt_secret")
    assert "at_secret" not in repr(token)
    assert "rt_secret" not in repr(token)
    assert "access_token='***'" in repr(token)
    assert signer.sign_url == "https://atlaswork.ai/sign/e?t=st_secret"  # only the repr hides it


@pytest.mark.parametrize(
    ("model", "data", "path", "missing"),
    [
        (Envelope, {"status": "draft"}, "envelope_id", True),
        (Envelope, {"envelope_id": None}, "envelope_id", True),
        (Envelope, {"envelope_id": "e", "created_at": "last tuesday"}, "created_at", False),
        (Envelope, {"envelope_id": "e", "created_at": 1764331200}, "created_at", False),
        (
            Envelope,
            {"envelope_id": "e", "parties": [{"signed_at": "soon"}]},
            "parties[].signed_at",
            False,
        ),
        (Envelope, {"envelope_id": "e", "metadata": "none"}, "metadata", False),
        (Envelope, ["not", "an", "object"], "", False),
        (models.EnvelopeList, {"items": [{"status": "draft"}]}, "items[].envelope_id", True),
        (models.UploadTemplateResponse, {"template": {}}, "template.template_id", True),
        (models.EnvelopeSentEvent, {"type": "envelope.signed"}, "type", False),
    ],
)
def test_a_parse_error_names_the_field(model: type, data: object, path: str, missing: bool) -> None:
    with pytest.raises(ParseError) as info:
        model.from_dict(data)  # type: ignore[attr-defined]
    assert (info.value.path, info.value.missing) == (path, missing)
    assert isinstance(info.value, ValueError)  # what generated union parsing moves on after


def test_the_public_names_are_the_generated_classes() -> None:
    assert atlas_async.Party is models.Party
    assert atlas_async.EnvelopeParty is models.EnvelopeParty
    assert not hasattr(models, "PartyInput")


@pytest.mark.parametrize("model", PUBLIC, ids=lambda m: m.__name__)
def test_every_public_model_has_a_json_schema_with_its_fields(model: type) -> None:
    import pydantic

    schema = pydantic.TypeAdapter(model).json_schema(mode="serialization")
    node = schema["$defs"][model.__name__] if "$defs" in schema and "$ref" in schema else schema
    wire = [w for w, _, _ in model._atlas_fields]  # type: ignore[attr-defined]
    assert list(node["properties"]) == wire
    assert node.get("required", []) == [w for w, _, r in model._atlas_fields if r]  # type: ignore[attr-defined]

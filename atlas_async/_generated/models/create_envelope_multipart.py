from __future__ import annotations

import json
from collections.abc import Mapping
from io import BytesIO
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from .. import types as _types
from ..types import File


@_attrs_define
class CreateEnvelopeMultipart(_types.Model):
    """Create from an uploaded file (multipart transport). `parties` and `metadata` are JSON strings.

    Attributes:
        file (File): PDF or DOCX bytes (checked by content, not name). At most 25 MB.
        auto_send (str | None): Form boolean: `true` or `false` (default `false`).
        metadata (str | None): A form field (text/plain) holding a JSON object (Metadata).
        parties (str | None): A form field (text/plain) holding a JSON array of PartyInput.
        webhook_url (str | None):
    """

    file: File
    auto_send: str | None = None
    metadata: str | None = None
    parties: str | None = None
    webhook_url: str | None = _attrs_field(default=None, repr=_types.url_repr)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("file", "file", True),
        ("auto_send", "auto_send", False),
        ("metadata", "metadata", False),
        ("parties", "parties", False),
        ("webhook_url", "webhook_url", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "file": "file",
        "auto_send": "auto_send",
        "metadata": "metadata",
        "parties": "parties",
        "webhook_url": "webhook_url",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["file"] = self.file.to_tuple()
        if self.auto_send is not None:
            field_dict["auto_send"] = self.auto_send
        if self.metadata is not None:
            field_dict["metadata"] = self.metadata
        if self.parties is not None:
            field_dict["parties"] = self.parties
        if self.webhook_url is not None:
            field_dict["webhook_url"] = self.webhook_url
        return field_dict

    def to_json(self) -> str:
        """This model as a JSON document: ``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict())

    def to_multipart(self) -> types.RequestFiles:
        """The multipart form parts of this request body (fields that are None are left out)."""
        files: types.RequestFiles = []
        files.append(("file", self.file.to_tuple()))

        if self.auto_send is not None:
            files.append(("auto_send", (None, str(self.auto_send).encode(), "text/plain")))

        if self.metadata is not None:
            files.append(("metadata", (None, str(self.metadata).encode(), "text/plain")))

        if self.parties is not None:
            files.append(("parties", (None, str(self.parties).encode(), "text/plain")))

        if self.webhook_url is not None:
            files.append(("webhook_url", (None, str(self.webhook_url).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))
        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        """Build the model from JSON data (a parsed answer).

        Absent optional fields are None. A required field that is missing or null, or a value that
        cannot be what its field says, raises ``ParseError`` naming the field (``parties[].email``).
        """
        _f = ""
        try:
            d = dict(src_dict)
            _f = "file"
            _v = d.pop("file")
            if _v is None:
                raise KeyError("file")
            file = File(payload=BytesIO(_v))
            auto_send = d.pop("auto_send", None)
            metadata = d.pop("metadata", None)
            parties = d.pop("parties", None)
            webhook_url = d.pop("webhook_url", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            file,
            auto_send,
            metadata,
            parties,
            webhook_url,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj

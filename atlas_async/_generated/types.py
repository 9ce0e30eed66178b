"""Shared types of the generated layer, and the helpers its models use (parse errors, reprs that
hide secrets, the pydantic schema built on demand)."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, ClassVar, Generic, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


class ParseError(ValueError):
    """JSON data that does not fit a model: ``path`` names the field (``parties[].email``; empty
    for the object itself), ``missing`` says whether it was absent (or null) rather than wrong."""

    def __init__(self, path: str, problem: str, *, missing: bool = False) -> None:
        super().__init__(f"{path or 'the object'}: {problem}")
        self.path = path
        self.problem = problem
        self.missing = missing

    @classmethod
    def wrap(cls, path: str, exc: Exception) -> ParseError:
        if isinstance(exc, KeyError):
            return cls(path, "missing", missing=True)
        if not path:
            return cls(path, "not a JSON object")
        detail = str(exc)
        detail = detail if len(detail) <= 80 else detail[:77] + "..."
        return cls(path, f"invalid ({type(exc).__name__}: {detail})" if detail else "invalid")

    def inside(self, outer: str) -> ParseError:
        """The same error, seen from the model that holds the failing one under ``outer``."""
        path = f"{outer}.{self.path}" if outer and self.path else outer or self.path
        return ParseError(path, self.problem, missing=self.missing)


class Model:
    """What every model shares: ``model["status"]`` (a declared field by its wire name, None when
    it was absent, or a property the server sent that the SDK does not know), ``keys()`` (so
    ``dict(model)`` works), and the pydantic schema FastAPI uses for ``response_model=``."""

    __slots__ = ()

    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = ()
    _atlas_names: ClassVar[dict[str, str]] = {}

    def _extra(self) -> dict[str, Any] | None:
        return typing.cast(dict[str, Any] | None, getattr(self, "additional_properties", None))

    def __getitem__(self, key: str) -> Any:
        attr = self._atlas_names.get(key)
        if attr is not None:
            return getattr(self, attr)
        extra = self._extra()
        if extra is None:
            raise KeyError(key)
        return extra[key]

    def __setitem__(self, key: str, value: Any) -> None:
        attr = self._atlas_names.get(key)
        if attr is not None:
            setattr(self, attr, value)
            return
        extra = self._extra()
        if extra is None:
            raise KeyError(key)
        extra[key] = value

    def __delitem__(self, key: str) -> None:
        attr = self._atlas_names.get(key)
        if attr is not None:
            setattr(self, attr, None)
            return
        extra = self._extra()
        if extra is None:
            raise KeyError(key)
        del extra[key]

    def __contains__(self, key: object) -> bool:
        attr = self._atlas_names.get(key) if isinstance(key, str) else None
        if attr is not None:
            return getattr(self, attr) is not None
        extra = self._extra()
        return extra is not None and key in extra

    def keys(self) -> list[str]:
        """The wire names of the fields that are set, then the server's extra properties: the
        keys of ``to_dict()``."""
        names = [
            wire for wire, attr in self._atlas_names.items() if getattr(self, attr) is not None
        ]
        names.extend(self._extra() or ())
        return names

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    @property
    def additional_keys(self) -> list[str]:
        """The names of the properties the server sent that this SDK does not know."""
        return list(self._extra() or ())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """How pydantic validates and serialises the model (FastAPI ``response_model=``,
        ``pydantic.TypeAdapter``): built on first use from the declared fields."""
        return pydantic_core_schema(cls, handler)


def first_parse(value: Any, parsers: tuple[Callable[[Any], Any], ...], *, plain: bool) -> Any:
    """A value of a union type: the first member that parses it (or, for members that are plain
    JSON types, the value itself)."""
    for parse in parsers:
        try:
            return parse(value)
        except (TypeError, ValueError, AttributeError, KeyError):
            continue
    if plain:
        return value
    raise ValueError("matches no member of the union")


def hidden_repr(value: object) -> str:
    """repr() of a secret: whether it is set, never what it is."""
    return repr(value) if value is None else "'***'"


def url_repr(value: object) -> str:
    """repr() of a URL whose query may carry a token (review ``rt=``, sign ``t=``): values hidden."""
    if not isinstance(value, str) or "?" not in value:
        return repr(value)
    try:
        parts = urlsplit(value)
        query = urlencode([(k, "***") for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
        return repr(urlunsplit(parts._replace(query=query)))
    except ValueError:
        return "'***'"


def _fields(cls: Any) -> tuple[tuple[str, str, bool], ...]:
    return typing.cast(tuple[tuple[str, str, bool], ...], cls._atlas_fields)


def pydantic_core_schema(cls: Any, handler: Any) -> Any:
    """The pydantic-core schema of a generated model, built from its declared fields.

    Validation accepts an instance as is (what a FastAPI endpoint returns) or JSON data; the
    serialiser writes what ``to_dict()`` writes. Nested models go through ``handler``, so pydantic
    (and FastAPI's /openapi.json) registers each as a component of its own. pydantic is imported
    here only: the SDK itself never needs it.
    """
    from pydantic_core import core_schema as cs

    hints = typing.get_type_hints(cls)
    shape = cs.typed_dict_schema(
        {
            wire: cs.typed_dict_field(handler.generate_schema(hints[attr]), required=required)
            for wire, attr, required in _fields(cls)
        },
        extra_behavior="allow" if "additional_properties" in hints else "ignore",
    )
    updates = {"title": cls.__name__}
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc and not doc.startswith("Attributes:"):
        updates["description"] = " ".join(doc.split())
    shape["metadata"] = {"pydantic_js_updates": updates}

    def build(data: dict[str, Any]) -> Any:
        kwargs = {attr: data.pop(wire) for wire, attr, _ in _fields(cls) if wire in data}
        obj = cls(**kwargs)
        if "additional_properties" in hints:
            obj.additional_properties = data
        return obj

    def dump(obj: Any) -> dict[str, Any]:
        data = {wire: v for wire, attr, _ in _fields(cls) if (v := getattr(obj, attr)) is not None}
        for key, value in getattr(obj, "additional_properties", {}).items():
            data.setdefault(key, value)
        return data

    from_data = cs.chain_schema([shape, cs.no_info_plain_validator_function(build)])
    return cs.json_or_python_schema(
        json_schema=from_data,
        python_schema=cs.union_schema([cs.is_instance_schema(cls), from_data]),
        serialization=cs.plain_serializer_function_ser_schema(dump, return_schema=shape),
        ref=f"{cls.__module__}.{cls.__qualname__}",
    )


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "ParseError",
    "RequestFiles",
    "Response",
    "Unset",
    "first_parse",
    "hidden_repr",
    "pydantic_core_schema",
    "url_repr",
]

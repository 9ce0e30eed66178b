"""How the CLI prints: human text on a terminal, one JSON document with ``--json``.

Errors are always a single line on stderr (JSON with ``--json``) and never carry a credential:
the SDK's exceptions are already redacted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import sys
from collections.abc import Mapping
from typing import Any

import click

from .._config import MissingAPIKeyError
from .._errors import APIStatusError

__all__ = ["echo_error", "echo_result", "echo_table", "error_line", "jsonable"]


def jsonable(value: Any) -> Any:
    """Turn SDK results (attrs models, dataclasses, enums, datetimes) into JSON-ready values."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    attrs_fields = getattr(type(value), "__attrs_attrs__", None)
    if attrs_fields is not None:
        return {a.name: jsonable(getattr(value, a.name)) for a in attrs_fields}
    return str(value)


def echo_result(value: Any, *, as_json: bool, fields: tuple[str, ...] = ()) -> None:
    """Print a result: the whole JSON document, or the chosen fields as ``name: value`` lines."""
    data = jsonable(value)
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    if not isinstance(data, dict):
        click.echo(str(data))
        return
    names = fields or tuple(data)
    width = max((len(n) for n in names), default=0)
    for name in names:
        shown = data.get(name)
        if shown is None or shown == [] or shown == {}:
            continue
        if name == "parties" and isinstance(shown, list):
            click.echo(name)
            for party in shown:
                click.echo("  " + _party_line(party))
            continue
        if isinstance(shown, dict | list):
            shown = json.dumps(shown, sort_keys=True)
        click.echo(f"{name.ljust(width)}  {shown}")


def echo_table(rows: list[Any], columns: tuple[str, ...], *, as_json: bool) -> None:
    """A listing: one line per row with the chosen columns, or a JSON array of whole rows."""
    data = [jsonable(r) for r in rows]
    if as_json:
        echo_result(data, as_json=True)
        return
    for row in data:
        click.echo("  ".join(str(row.get(c) if row.get(c) is not None else "-") for c in columns))


def _party_line(party: Any) -> str:
    if not isinstance(party, dict):
        return str(party)
    parts = [
        f"{party.get('order', '?')}.",
        str(party.get("email")),
        f"{party.get('name')} ({party.get('role')})",
        str(party.get("status") or ""),
    ]
    if party.get("sign_url"):
        parts.append(str(party["sign_url"]))
    return "  ".join(p for p in parts if p)


# The library's message tells a programmer about Atlas(api_key=...) and auth=; someone at a shell
# needs the command line's ways in instead.
MISSING_KEY = (
    "no Atlas API key: set the ATLAS_API_KEY environment variable (or pass --api-key), "
    "or run `atlas-async login`"
)


def error_line(exc: BaseException) -> str:
    if isinstance(exc, MissingAPIKeyError):
        return MISSING_KEY
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())  # exactly one line, whatever the message held


def echo_error(
    exc: BaseException, *, as_json: bool, exit_code: int, context: Mapping[str, str] | None = None
) -> None:
    """One line on stderr. ``context["hint"]`` is appended to the message; with ``--json`` every
    entry of ``context`` is also a field of the error object."""
    context = dict(context or {})
    message = error_line(exc)
    if context.get("hint"):
        message = f"{message}; {context.pop('hint')}"
    if as_json:
        doc: dict[str, Any] = {
            "error": {
                "type": type(exc).__name__,
                "message": message,
                "exit_code": exit_code,
                **context,
            }
        }
        if isinstance(exc, APIStatusError):
            doc["error"].update(status=exc.status_code, code=exc.code, request_id=exc.request_id)
        sys.stderr.write(json.dumps(doc, sort_keys=True) + "\n")
    else:
        sys.stderr.write(f"atlas-async: error: {message}\n")
    sys.stderr.flush()

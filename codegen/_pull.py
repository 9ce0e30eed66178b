"""``pull``: fetch the live spec, normalise it, report the API changes, write it."""

from __future__ import annotations

import os
import sys

import httpx

from ._diff import diff_specs, render
from ._paths import Layout
from ._spec import SpecError, dump_spec, load_spec, parse_spec

__all__ = ["default_url", "pull"]

PUBLIC_SPEC_URL = "https://atlaswork.ai/openapi.json"
# Generous read time for a large document, short connect so "offline" fails fast.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def default_url() -> str:
    base = os.environ.get("ATLAS_BASE_URL", "").strip()
    return base.rstrip("/") + "/openapi.json" if base else PUBLIC_SPEC_URL


def _fetch(url: str) -> bytes:
    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=True)
    except httpx.InvalidURL as exc:
        raise SpecError(f"invalid URL {url!r}: {exc}") from None
    except httpx.TimeoutException:
        raise SpecError(f"timed out fetching {url}") from None
    except httpx.HTTPError as exc:
        raise SpecError(f"cannot fetch {url}: {exc or type(exc).__name__}") from None
    if response.status_code != 200:
        raise SpecError(f"{url} answered HTTP {response.status_code}, not the spec")
    return response.content


def _validate(doc: dict[str, object], url: str) -> None:
    from openapi_spec_validator import validate

    try:
        validate(doc)
    except Exception as exc:  # the validator raises jsonschema, referencing and its own types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"{url} is not a valid OpenAPI document: {first[:300]}") from None


def pull(layout: Layout, url: str | None) -> int:
    """Fetch, report and write. Any failure leaves openapi.json untouched (SpecError, one line)."""
    url = url or default_url()
    new = parse_spec(_fetch(url), url)
    _validate(new, url)
    text = dump_spec(new)
    target = layout.rel(layout.spec)
    if layout.spec.exists():
        old = load_spec(layout.spec)
        changes = diff_specs(old, new)
        print(render(changes, target, url))
        if layout.spec.read_text(encoding="utf-8") == text:
            print(f"{target} is unchanged")
            return 0
    else:
        print(f"no vendored {target} yet: writing the first snapshot")
    tmp = layout.spec.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(layout.spec)  # atomic: a crash never leaves a half-written contract
    print(f"wrote {target}; next: `make generate`, then run the tests", file=sys.stdout)
    return 0

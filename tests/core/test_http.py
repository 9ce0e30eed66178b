"""The HTTP library stays private: ``import atlas_async`` loads neither httpx nor the generated
client, and no public signature mentions an httpx type."""

from __future__ import annotations

import inspect
from typing import Any

import atlas_async


def _public_callables() -> list[tuple[str, Any]]:
    from atlas_async._resources import envelopes, platform, templates

    roots = [(name, getattr(atlas_async, name)) for name in atlas_async.__all__]
    for module in (envelopes, platform, templates):
        roots += [(name, getattr(module, name)) for name in module.__all__]
    found: list[tuple[str, Any]] = []
    for name, obj in roots:
        found.append((name, obj))
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                target = getattr(member, "fget", None) or getattr(member, "__func__", member)
                found.append((f"{name}.{attr}", target))
    return [(name, obj) for name, obj in found if callable(obj)]


def test_no_public_signature_mentions_httpx() -> None:
    # The move to httpx2 must stay private: no public callable takes or returns an httpx type.
    leaks = []
    for name, obj in _public_callables():
        annotations = getattr(obj, "__annotations__", None)
        if isinstance(annotations, dict) and any("httpx" in str(a) for a in annotations.values()):
            leaks.append(name)
    assert leaks == []


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, atlas_async; "
        "print(sorted(m for m in ('httpx', 'attrs', 'atlas_async._generated') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

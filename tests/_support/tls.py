"""Counting the TLS contexts an HTTP library builds, under a trust setting no other test uses."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme


def count_contexts(library: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[object]:
    """The contexts ``library.create_ssl_context`` builds from now on (httpx's or httpx2's),
    with ``SSL_CERT_FILE`` naming a new test authority: nothing was cached for it before."""
    built: list[object] = []
    build = library.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context: ssl.SSLContext = build(*args, **kwargs)
        built.append(context)
        return context

    monkeypatch.setattr(library, "create_ssl_context", counting)
    authority = tmp_path / "count-contexts-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(authority))
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return built

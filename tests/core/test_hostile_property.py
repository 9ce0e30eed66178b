"""Whatever a server sends, every public call returns or raises an AtlasError.

A hypothesis property over a real socket server on 127.0.0.1: the status (IANA or not), the
Location, Retry-After, Content-Type and Content-Encoding headers (sane, garbage, hostile), a
Content-Length that lies, and a body that is whole, truncated, or cut by a TCP reset. No
third-party exception (the HTTP library's, the JSON parser's, the generated code's) may escape.
"""

from __future__ import annotations

import gc
import json
import sys

import anyio
import anyio.lowlevel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas_async import Atlas, AtlasError

from .._support.raw_server import RESET, Step, response, serve
from .test_hostile_server import KEY, STATUS, _calls

# Whatever the server sends ----------------------------------------------------------------------

HEADER_VALUES = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e309",
        "nan",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "javascript:alert(1)",
        "http://169.254.169.254/latest",
        # https on a loopback port nothing listens on: a redirect the SDK may follow, refused at
        # once and without a name to resolve (tests stay on loopback).
        "https://127.0.0.1:9/x?sig=s",
        "/relative",
        "gzip",
        "br",
        "deflate",
        "identity, gzip",
        "application/json",
        "text/html",
        "application/pdf",
        "\x7f",
        "é",
    ]
)
BODIES = st.one_of(
    st.just(b""),
    st.just(json.dumps(STATUS).encode()),
    st.just(b'{"error": {"code": "x", "message": "y"}}'),
    st.just(b"<html>502 Bad Gateway</html>"),
    st.just(b"\x1f\x8b\x08\x00garbage"),
    st.just(b"%PDF-1.4\n%%EOF\n"),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)


@st.composite
def plans(draw: st.DrawFn) -> list[Step]:
    status = draw(
        st.sampled_from(
            [
                200,
                201,
                204,
                299,
                301,
                302,
                303,
                307,
                308,
                400,
                401,
                404,
                409,
                413,
                422,
                429,
                500,
                502,
                503,
                520,
                599,
            ]
        )
    )
    headers = {
        name: draw(HEADER_VALUES)
        for name in draw(
            st.sets(
                st.sampled_from(
                    ["Location", "Retry-After", "Content-Type", "Content-Encoding", "X-Request-Id"]
                )
            )
        )
    }
    headers = {k: v for k, v in headers.items() if v.isprintable() and v.isascii()}
    body = draw(BODIES)
    lie = draw(st.sampled_from([None, 0, len(body) + 10, max(len(body) - 3, 0)]))
    raw = response(status, body, headers, content_length=lie)
    ending = draw(st.sampled_from(["whole", "truncated", "reset"]))
    if ending == "truncated":
        return [raw[: max(len(raw) // 2, 1)]]
    if ending == "reset":
        return [raw[: max(len(raw) // 2, 1)], RESET]
    return [raw]


CALLS = st.sampled_from(["get", "status", "create", "void", "download", "list", "template"])


@pytest.mark.slow  # 60 examples over a real socket: about 3 s a backend
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans(), which=CALLS)
def test_whatever_the_server_sends_every_call_returns_or_raises_an_atlas_error(
    backend: str, plan: list[Step], which: str
) -> None:
    async def scenario() -> None:
        with serve(lambda _: plan) as server:
            async with Atlas(KEY, base_url=server.url, timeout=2.0, max_retries=0) as atlas:
                calls = dict(
                    zip(
                        ["get", "status", "create", "void", "download", "list", "template"],
                        _calls(atlas),
                        strict=True,
                    )
                )
                try:
                    with anyio.fail_after(10):
                        await calls[which]()
                except AtlasError:
                    pass
        # Inside the event loop: a generator the call abandoned is reported here, by this
        # example (trio warns about each one), not by whichever example happens to collect it.
        gc.collect()
        await anyio.lowlevel.checkpoint()

    # Anything the call left for the garbage collector (an async generator abandoned half-way,
    # which trio reports) fails this example, so hypothesis can shrink to the server behind it.
    # gc.freeze() first: the collections then scan only what this example made, not the whole
    # worker's heap (a full collection of a busy pytest worker costs about 40 ms, two an example).
    leaked: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda u: leaked.append(f"{u.exc_value!r} in {u.object!r}")
    gc.freeze()
    try:
        anyio.run(scenario, backend=backend)
        gc.collect()
    finally:
        gc.unfreeze()
        sys.unraisablehook = previous
    assert leaked == []

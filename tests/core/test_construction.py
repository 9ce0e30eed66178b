"""What ``Atlas()`` loads: the modules of features a client may never use (waiting, uploads,
error answers) load with their first use, not on the way to the first client (figure 5 of the
benchmarks: every module is a fraction of a millisecond of start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import AbstractAsyncContextManager

import pytest

from atlas_async import Atlas, LocalWaiterBus, Subscription, WaiterBus

from .._support.http import NAME as LIBRARY
from .._support.mock_api import KEY

#: An account in a connected org's form (a UUID): checked on the way to the first client.
ACCOUNT = "3f2b8c1e-0d4a-4c9e-9b1f-2a6d7e8f9a0b"

#: Modules the first ``Atlas()`` leaves alone, each loaded where its feature is first used.
FEATURE_MODULES = (
    "atlas_async._waiters",  # the default waiter bus: on the first wait or `atlas.waiter_bus`
    "atlas_async._sleeper",  # the waits' sleeps
    "atlas_async._multipart",  # the first upload
    "atlas_async._error_mapping",  # the first answer that is an error
)


def _loaded_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(out.stdout))


def test_the_first_client_loads_no_feature_module() -> None:
    loaded = _loaded_after(f"import atlas_async\natlas_async.Atlas(api_key={KEY!r})")
    assert "atlas_async._transport" in loaded  # the client was built, with its HTTP stack
    assert not loaded & set(FEATURE_MODULES)


def test_the_first_client_of_a_minimal_install_loads_no_more_of_the_standard_library() -> None:
    # `pip install atlas-async` brings no click, rich, pygments or trio, so httpx does not import
    # its command line (whose click imports uuid, and uuid platform): what the library's own first
    # client loads is then all the first Atlas() needs of the standard library, but contextvars
    # (uuid and platform took about 5 ms here).
    blocked = "import sys\nfor name in ('click', 'rich', 'pygments', 'trio'):\n    sys.modules[name] = None\n"
    # The library the SDK runs on in this test run (ATLAS_HTTP_LIBRARY): httpx or httpx2.
    library_alone = _loaded_after(f"{blocked}import {LIBRARY} as lib\nlib.AsyncClient()")
    sdk = _loaded_after(
        f"{blocked}import atlas_async\natlas_async.Atlas(api_key={KEY!r}, account={ACCOUNT!r})"
    )
    extra = {name for name in sdk - library_alone if not name.startswith("atlas_async")}
    assert extra <= {"contextvars", "_contextvars"}, extra


def test_the_waiter_bus_loads_on_first_use() -> None:
    loaded = _loaded_after(
        f"import atlas_async\nbus = atlas_async.Atlas(api_key={KEY!r}).waiter_bus\n"
        "assert type(bus).__name__ == 'LocalWaiterBus'"
    )
    assert {"atlas_async._waiters", "atlas_async._sleeper"} <= loaded


def test_the_default_bus_is_made_once_and_shared_by_every_copy() -> None:
    atlas = Atlas(api_key=KEY)
    bus = atlas.waiter_bus
    assert isinstance(bus, LocalWaiterBus)
    assert atlas.waiter_bus is bus
    assert atlas.with_options(timeout=5).waiter_bus is bus


class _Bus:
    def subscribe(self, envelope_id: str) -> AbstractAsyncContextManager[Subscription]:
        raise NotImplementedError

    async def publish(self, envelope_id: str, status: str | None = None) -> None:
        raise NotImplementedError


def test_a_callers_bus_is_kept_and_a_wrong_one_refused() -> None:
    mine = _Bus()
    assert isinstance(mine, WaiterBus)
    assert Atlas(api_key=KEY, waiter_bus=mine).waiter_bus is mine
    with pytest.raises(TypeError, match="waiter_bus must provide"):
        Atlas(api_key=KEY, waiter_bus=object())  # type: ignore[arg-type]

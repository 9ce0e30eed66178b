"""``import atlas_async.webhooks`` stays cheap: no web framework, no HTTP client, no generated code."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_webhooks_pulls_in_no_framework() -> None:
    code = "import json, sys\nimport atlas_async.webhooks\nprint(json.dumps(sorted(sys.modules)))\n"
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code])))
    heavy = {"fastapi", "starlette", "aiohttp", "httpx", "pydantic", "atlas_async._generated"}
    assert not heavy & loaded
    assert "atlas_async.webhooks.fastapi" not in loaded


def test_the_glue_modules_load_only_their_own_framework() -> None:
    code = (
        "import json, sys\n"
        "import atlas_async.webhooks.asgi\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code])))
    assert not {"fastapi", "starlette", "aiohttp", "httpx"} & loaded


def test_sign_webhook_shares_no_code_with_the_client_side() -> None:
    # The emulator signs its deliveries with it, and must stay independent of what it tests.
    code = (
        "import json, sys\n"
        "from atlas_async.testing._signing import sign_webhook\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code])))
    client_side = {
        "atlas_async.webhooks",
        "atlas_async._client",
        "atlas_async._generated",
        "atlas_async._transport",
    }
    assert not client_side & loaded

"""OAuth is loaded only when used: ``import atlas_async`` pulls in neither it nor authlib."""

from __future__ import annotations

import subprocess
import sys


def test_import_atlas_async_does_not_load_oauth() -> None:
    code = (
        "import sys, atlas_async\n"
        "loaded = [m for m in ('atlas_async.oauth', 'authlib') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "from atlas_async import OAuthError\n"
        "import atlas_async.oauth\n"
        "assert 'authlib' not in sys.modules, 'authlib is needed only to build a URL'\n"
        "assert atlas_async.oauth.OAuthError is OAuthError\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_public_names_are_exported() -> None:
    import atlas_async.oauth as oauth

    assert oauth.__all__ == sorted(oauth.__all__)
    for name in oauth.__all__:
        assert getattr(oauth, name) is not None

"""OAuth is loaded only when used, and needs nothing beyond the client's own dependencies."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_import_atlas_async_does_not_load_oauth() -> None:
    code = (
        "import sys, atlas_async\n"
        "assert 'atlas_async.oauth' not in sys.modules\n"
        "from atlas_async import OAuthError\n"
        "import atlas_async.oauth\n"
        "assert atlas_async.oauth.OAuthError is OAuthError\n"
    )
    _run(code)


def test_oauth_runs_without_authlib_or_cryptography() -> None:
    # The S256 transform and the URL encoding are the standard library's: block both packages
    # and run the authorization leg.
    code = (
        "import sys\n"
        "sys.modules['authlib'] = sys.modules['cryptography'] = None\n"
        "from atlas_async.oauth import ServerMetadata, code_challenge, start_authorization\n"
        "assert code_challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') == "
        "'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'\n"
        "m = ServerMetadata('https://a.test', 'https://a.test/authorize', 'https://a.test/token')\n"
        "r = start_authorization(m, client_id='c', redirect_uri='http://127.0.0.1:1/cb')\n"
        "assert r.url.startswith('https://a.test/authorize?response_type=code&client_id=c&'), r.url\n"
    )
    _run(code)


def test_public_names_are_exported() -> None:
    import atlas_async.oauth as oauth

    assert oauth.__all__ == sorted(oauth.__all__)
    for name in oauth.__all__:
        assert getattr(oauth, name) is not None

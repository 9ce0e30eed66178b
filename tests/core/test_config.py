"""Configuration: the key, the environment, accounts, timeouts, the default HTTP client, and
the plain-http rule (credentials never cross the network in clear text)."""

from __future__ import annotations

import uuid
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas_async import Atlas
from atlas_async._config import MissingAPIKeyError, validate_account
from atlas_async._pool import Shards

from .._support.mock_api import KEY

pytestmark = pytest.mark.anyio


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="ATLAS_API_KEY"):
        Atlas()


async def test_environment_configures_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_API_KEY", KEY)
    monkeypatch.setenv("ATLAS_BASE_URL", "https://eu.atlas.test/")
    monkeypatch.setenv("ATLAS_ACCOUNT", "ext_acme")
    async with Atlas() as atlas:
        assert atlas.base_url == "https://eu.atlas.test"
        assert atlas.account == "ext_acme"
        assert KEY not in repr(atlas)


@pytest.mark.parametrize(
    "account", ["acme", "ext_", "ext_has space", "12345", "3f2b8c1e-0000", "ext_a/b"]
)
def test_malformed_account_is_rejected_before_any_request(account: str) -> None:
    with pytest.raises(ValueError, match="account"):
        Atlas(api_key=KEY, account=account)


def test_account_forms_accepted() -> None:
    atlas = Atlas(api_key=KEY, account="ext_acme-01")
    tenant = atlas.for_account(str(uuid.uuid4()))
    assert tenant.account is not None
    with pytest.raises(ValueError, match="account"):
        atlas.for_account("nope")


def _uuid_rule(account: str) -> bool:
    """The rule before the pattern: what ``uuid.UUID`` parses and writes back the same."""
    try:
        return str(uuid.UUID(account)) == account.lower()
    except ValueError:
        return False


def _accepted(account: str) -> bool:
    try:
        return validate_account(account) == account
    except ValueError:
        return False


# The forms uuid.UUID parses (braces, a urn, no hyphens, either case) and a few near misses.
def _written(u: uuid.UUID, form: str, upper: bool) -> str:
    text = form.format(h=u.hex, s=str(u))
    return text.upper() if upper else text


_UUID_LIKE = st.builds(
    _written,
    st.uuids(),
    st.sampled_from(
        [
            "{s}",
            "{{{s}}}",
            "{{{s}",
            "{s}}}",
            "urn:uuid:{s}",
            "{h}",
            "{s} ",
            " {s}",
            "{s}0",
            "{s}\n",
            "x{s}",
        ]
    ),
    st.booleans(),
)


@given(st.one_of(_UUID_LIKE, st.text(alphabet="0123456789abcdefABCDEF-{}:urnid \n", max_size=45)))
def test_a_uuid_account_is_what_uuid_parses_in_canonical_form(account: str) -> None:
    # Accounts are checked by a pattern (uuid imports platform on the way to the first client).
    assert _accepted(account) == _uuid_rule(account)


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan")])
def test_timeout_is_never_infinite(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Atlas(api_key=KEY, timeout=timeout)


async def test_default_http_client_has_explicit_limits_timeouts_and_user_agent() -> None:
    async with Atlas(api_key=KEY) as atlas:
        http = atlas._transport.http
        assert http.timeout.read == 60.0
        assert http.timeout.connect == 10.0
        assert http.headers["User-Agent"].startswith("atlas-async/")
        assert not http.follow_redirects
        own = atlas._transport.pool
        if isinstance(own, Shards):  # httpx 0.28: five pools of 20, each keeping all alive (_pool)
            assert own.sizes == (20,) * 5
        else:  # httpx2: one pool, keeping all alive
            pool = own._pool
            assert pool._max_connections == 100
            assert pool._max_keepalive_connections == 100


PUBLIC_HTTP = [
    "http://api.example.com",
    "http://atlaswork.ai",
    "http://10.0.0.5:8080",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://atlas.test.evil.example",
    "http://test",
]


LOCAL_HTTP = [
    "http://127.0.0.1:8080",
    "http://127.8.9.10",
    "http://localhost:4010",
    "http://[::1]:8080",
    "http://api.atlas.localhost",
    "http://atlas.test",  # the emulator's in-process base URL
    "http://storage.atlas.test/",
    "https://api.example.com",
]


@pytest.mark.parametrize("url", PUBLIC_HTTP)
def test_plain_http_to_a_public_host_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(ValueError, match="plain http") as info:
        Atlas(api_key=KEY, base_url=url)
    assert KEY not in str(info.value)
    assert "allow_insecure_http=True" in str(info.value)
    monkeypatch.setenv("ATLAS_BASE_URL", url)
    with pytest.raises(ValueError, match="plain http"):
        Atlas(api_key=KEY)

    class Provider:
        async def token(self) -> str:
            return "tok"

        async def refresh(self, rejected: str) -> str | None:
            return None

    with pytest.raises(ValueError, match="plain http"):  # a bearer token is a credential too
        Atlas(auth=Provider(), base_url=url)


@pytest.mark.parametrize("url", LOCAL_HTTP)
async def test_https_and_local_plain_http_need_no_opt_in(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # silently: no warning either
        atlas = Atlas(api_key=KEY, base_url=url)
    assert atlas.base_url == url.rstrip("/")
    await atlas.aclose()


async def test_plain_http_opt_in_by_argument_or_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "http://emulator:8080"  # say, the emulator in docker compose
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    async with Atlas(api_key=KEY, base_url=url, allow_insecure_http=True) as atlas:
        assert atlas.base_url == url
    for value in ("1", "true", "YES"):
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", value)
        async with Atlas(api_key=KEY, base_url=url):
            pass
    with pytest.raises(ValueError, match="plain http"):  # the argument wins over the environment
        Atlas(api_key=KEY, base_url=url, allow_insecure_http=False)
    for value in ("0", "false", ""):
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", value)
        with pytest.raises(ValueError, match="plain http"):
            Atlas(api_key=KEY, base_url=url)
    with pytest.raises(TypeError, match="allow_insecure_http"):
        Atlas(api_key=KEY, base_url=url, allow_insecure_http="yes")  # type: ignore[arg-type]

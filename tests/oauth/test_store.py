"""Token stores: the file store writes atomically with mode 0600 and never leaks a token."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from atlas_async.oauth import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthError,
    OAuthTokens,
    TokenStore,
    default_token_path,
)

pytestmark = pytest.mark.anyio

TOKENS = OAuthTokens(
    "aoat_secret-access",
    refresh_token="aort_secret-refresh",
    expires_at=1_800_000_000.0,
    scope="envelopes:read",
    client_id="aocl_1",
    issuer="https://atlaswork.ai",
)


async def test_memory_store() -> None:
    store = MemoryTokenStore()
    assert isinstance(store, TokenStore)
    assert await store.load() is None
    await store.save(TOKENS)
    assert await store.load() == TOKENS
    assert "secret" not in repr(store)
    await store.clear()
    assert await store.load() is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
async def test_file_store_round_trip_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "tokens.json"
    store = FileTokenStore(path)
    assert isinstance(store, TokenStore)
    assert await store.load() is None
    await store.save(TOKENS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert await FileTokenStore(path).load() == TOKENS
    rotated = OAuthTokens("aoat_new", refresh_token="aort_new", client_id="aocl_1")
    await store.save(rotated)
    assert await store.load() == rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json"]  # no temp left
    assert "secret" not in repr(store)
    await store.clear()
    assert not path.exists()
    await store.clear()  # idempotent


async def test_file_store_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure mid-save (here: the rename) leaves the previous file intact and no temp file."""
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    await store.save(TOKENS)
    before = path.read_bytes()
    seen: list[str] = []

    def failing_replace(src: str, dst: object) -> None:
        seen.append(src)
        assert Path(src).parent == tmp_path  # same directory: os.replace is atomic there
        assert stat.S_IMODE(Path(src).stat().st_mode) == 0o600  # never readable by others
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        await store.save(OAuthTokens("aoat_other", refresh_token="aort_other"))
    assert seen
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["tokens.json"]


async def test_corrupt_file_is_a_clear_error_without_contents(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(
        '{"format": "atlas-async-oauth-tokens/1", "tokens": {"refresh_token": "aort_x"}}'
    )
    with pytest.raises(OAuthError, match="log in again") as info:
        await FileTokenStore(path).load()
    assert "aort_x" not in str(info.value)
    path.write_text("not json")
    with pytest.raises(OAuthError, match="unreadable"):
        await FileTokenStore(path).load()


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATLAS_TOKEN_FILE", str(tmp_path / "t.json"))
    assert default_token_path() == tmp_path / "t.json"
    assert FileTokenStore().path == tmp_path / "t.json"
    monkeypatch.delenv("ATLAS_TOKEN_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_token_path() == tmp_path / "atlas-async" / "oauth-tokens.json"


def test_errors_pickle_and_read_well() -> None:
    import pickle

    from atlas_async.oauth import InvalidGrantError

    err = InvalidGrantError(
        "token refresh failed (HTTP 400)",
        error="invalid_grant",
        description="refresh token expired",
        status_code=400,
    )
    assert str(err) == "token refresh failed (HTTP 400) [invalid_grant]: refresh token expired"
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is InvalidGrantError
    assert (copy.error, copy.description, copy.status_code) == (
        "invalid_grant",
        "refresh token expired",
        400,
    )

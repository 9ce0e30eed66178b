"""Where tokens live between refreshes and between runs.

A store holds one grant. :class:`FileTokenStore` writes atomically (a temporary file in the same
directory, fsync, ``os.replace``) with mode 0600 from the moment the file exists, so a crash never
leaves a half-written token file and no other local user can read it. The rotated refresh token is
the only copy of the grant: losing a write means logging in again.

A store that several processes share (``atlas_async.contrib.redis.RedisTokenStore``) also
offers a lock (:class:`SharedTokenStore`): the provider refreshes under it, so however many
processes find the token expired at once, one refreshes and the others adopt its result instead
of replaying the rotated refresh token (which makes the server revoke the grant).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

import anyio.to_thread

from ._errors import OAuthError
from ._tokens import OAuthTokens

__all__ = [
    "FileTokenStore",
    "MemoryTokenStore",
    "SharedTokenStore",
    "TokenStore",
    "default_token_path",
    "dump_tokens",
    "load_tokens",
]

_FORMAT = "atlas-async-oauth-tokens/1"


@runtime_checkable
class TokenStore(Protocol):
    """Persistence for one set of :class:`OAuthTokens` (implement it for a secrets manager)."""

    async def load(self) -> OAuthTokens | None: ...

    async def save(self, tokens: OAuthTokens) -> None: ...

    async def clear(self) -> None: ...


@runtime_checkable
class SharedTokenStore(TokenStore, Protocol):
    """A :class:`TokenStore` shared by several processes, with a lock for refreshing.

    :class:`OAuthTokenProvider` holds ``refresh_lock()`` while it re-reads the store, refreshes
    and saves: across processes, one refresh per expiry. The lock must expire on its own (a
    lease) so that a process that died holding it does not block the others forever.
    """

    def refresh_lock(self) -> AbstractAsyncContextManager[object]: ...


class MemoryTokenStore:
    """Tokens kept in this process only."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self._tokens = tokens

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_tokens={self._tokens is not None})"

    async def load(self) -> OAuthTokens | None:
        return self._tokens

    async def save(self, tokens: OAuthTokens) -> None:
        self._tokens = tokens

    async def clear(self) -> None:
        self._tokens = None


def dump_tokens(tokens: OAuthTokens) -> str:
    """``tokens`` as the JSON document every store of this SDK writes (versioned)."""
    return json.dumps({"format": _FORMAT, "tokens": tokens.to_dict()}, indent=2)


def load_tokens(raw: str | bytes, where: str, remedy: str = "log in again") -> OAuthTokens:
    """The tokens of a :func:`dump_tokens` document; :class:`OAuthError` naming ``where`` (and
    never the contents, which may hold tokens) when it is not one."""
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise ValueError("unknown format")
        return OAuthTokens.from_dict(doc["tokens"])
    except (ValueError, KeyError, TypeError) as exc:
        raise OAuthError(f"{where} is unreadable ({exc}); {remedy}") from None


def default_token_path() -> Path:
    """``$ATLAS_TOKEN_FILE``, else ``$XDG_CONFIG_HOME/atlas-async/oauth-tokens.json`` (with
    ``~/.config`` as the XDG default)."""
    explicit = os.environ.get("ATLAS_TOKEN_FILE")
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "atlas-async" / "oauth-tokens.json"


class FileTokenStore:
    """Tokens in a JSON file (mode 0600, replaced atomically on every save)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_token_path()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    async def load(self) -> OAuthTokens | None:
        return await anyio.to_thread.run_sync(self._load)

    async def save(self, tokens: OAuthTokens) -> None:
        await anyio.to_thread.run_sync(self._save, tokens)

    async def clear(self) -> None:
        await anyio.to_thread.run_sync(self._clear)

    def _load(self) -> OAuthTokens | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return load_tokens(raw, f"the token file {self.path}", "delete it and log in again")

    def _save(self, tokens: OAuthTokens) -> None:
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = dump_tokens(tokens).encode()
        # mkstemp creates the file 0600 with O_EXCL: it is never readable by others, not even
        # for the instant between creation and a chmod.
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_directory(directory)

    def _clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

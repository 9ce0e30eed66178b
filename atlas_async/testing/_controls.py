"""``EmulatorControls``: drive an emulator running on a port (``atlas-async emulator``) from outside.

A small synchronous client of the ``/_emulator/`` control endpoints, for scripts and for the
``atlas-async emulator sign | decline | credits | detection`` commands. In process, a test calls
the same operations on :class:`FakeAtlas` directly (``fake.sign(...)``, ``fake.set_credits(...)``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ._apierror import ApiError
from ._edge import CONTROL_PREFIX
from ._http import request_json

__all__ = ["EmulatorControls"]


class EmulatorControls:
    """The controls of the emulator at ``base_url``, acting for the org of ``api_key``.

    ``account`` (with a platform key) acts for a connected account, as ``Atlas-Account`` does.
    Each method answers the endpoint's JSON. An error answer raises :class:`ApiError` (``.status``,
    ``.code``, ``.message``); an emulator that cannot be reached raises ``ConnectionError``.
    """

    def __init__(
        self, base_url: str, api_key: str, *, account: str | None = None, timeout: float = 10.0
    ) -> None:
        if not base_url or not api_key:
            raise ValueError("EmulatorControls needs the emulator's base URL and an API key")
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}
        if account:
            self._headers["Atlas-Account"] = account
        self._timeout = timeout

    def __repr__(self) -> str:  # never shows the key
        return f"<EmulatorControls {self.base_url}>"

    def envelope(self, envelope_id: str) -> dict[str, Any]:
        """The envelope's status and parties, each with its sign URL; who is due."""
        return self._call("GET", f"envelopes/{_segment(envelope_id)}")

    def sign(self, envelope_id: str, *, every: bool = False) -> dict[str, Any]:
        """Sign as the party whose turn it is (``every``: as each party left, in order)."""
        return self._call("POST", f"envelopes/{_segment(envelope_id)}/sign", {"all": every})

    def decline(self, envelope_id: str, reason: str) -> dict[str, Any]:
        """Decline as the party whose turn it is."""
        return self._call("POST", f"envelopes/{_segment(envelope_id)}/decline", {"reason": reason})

    def credits(self) -> int:
        """The credits the org can spend."""
        return int(self._call("GET", "credits")["credits"])

    def add_credits(self, amount: int) -> int:
        """Top up by ``amount`` (a positive integer); the credits the org can spend now."""
        return int(self._call("POST", "credits", {"add": amount})["credits"])

    def set_detection(
        self, outcome: str, *, count: int | None = None, delay: float | None = None
    ) -> dict[str, Any]:
        """How field detection of new envelopes ends: for the next ``count``, or from now on."""
        body: dict[str, Any] = {"outcome": outcome}
        if count is not None:
            body["count"] = count
        if delay is not None:
            body["delay"] = delay
        return self._call("POST", "detection", body)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{CONTROL_PREFIX}{path}"
        status, data = request_json(
            method, url, headers=self._headers, body=body, timeout=self._timeout
        )
        if 200 <= status < 300 and isinstance(data, dict):
            return data
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and "code" in error:
            raise ApiError(status, str(error["code"]), str(error.get("message", "")))
        raise ApiError(
            status,
            "not_an_emulator",
            f"{method} {CONTROL_PREFIX}{path} answered HTTP {status} without an emulator's "
            f"answer: is {self.base_url} an Atlas emulator?",
        )


def _segment(value: str) -> str:
    """A path segment from user input: quoted, so an id cannot reach another route."""
    return quote(value, safe="")

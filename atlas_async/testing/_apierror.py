"""The emulator's one error type: raised by the state machine, rendered by the HTTP layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ApiError"]


class ApiError(Exception):
    """An Atlas error answer: HTTP ``status``, stable ``code``, human ``message``.

    ``extra`` is merged into the top level of the JSON body (409 ``fields_version_conflict``
    carries ``current_fields_version`` there); ``headers`` go on the response (``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "error": {"code": self.code, "message": self.message},
            **self.extra,
            "request_id": request_id,
        }


def bad_request(message: str, code: str = "invalid_request") -> ApiError:
    return ApiError(400, code, message)


def not_found(what: str = "Resource") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def invalid_state(message: str) -> ApiError:
    return ApiError(409, "invalid_state", message)

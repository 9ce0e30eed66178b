"""Exit codes: one per error class, so scripts can branch without parsing text.

The table is the contract (docs/cli.md, "Exit codes"); never renumber an existing code.
"""

from __future__ import annotations

import sys
from enum import IntEnum

from .._config import MissingAPIKeyError
from .._errors import (
    APIConnectionError,
    APIStatusError,
    AtlasError,
    AuthenticationError,
    ConflictError,
    EnvelopeDeclinedError,
    EnvelopeVoidedError,
    InsufficientCreditsError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    WaitTimeoutError,
)

__all__ = ["ExitCode", "exit_code_for"]


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1  # a bug: rerun with --debug for the traceback
    USAGE = 2  # bad option, argument or input file (nothing was sent)
    AUTH = 3  # no API key, or 401
    PERMISSION = 4  # 403 (suspended account, not a platform key)
    NOT_FOUND = 5  # 404
    NO_CREDITS = 6  # 402
    CONFLICT = 7  # 409 (wrong state, fields pending or changed)
    RATE_LIMITED = 8  # 429 after retries
    CONNECTION = 9  # network error or timeout after retries
    SERVER = 10  # 5xx after retries
    REJECTED = 11  # other 4xx (400, 413, 422), unusable document, detection failed
    DECLINED_OR_VOIDED = 12  # `wait`/`send --wait`: the envelope was declined or voided
    WAIT_TIMEOUT = 13  # `wait`/`send --wait`: still not signed at the deadline
    BULK_INCOMPLETE = 14  # `bulk-send`: some rows failed, were invalid or not attempted
    INTERRUPTED = 130  # Ctrl-C (re-run the same command to resume a bulk send)


_BY_TYPE: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (AuthenticationError, ExitCode.AUTH),
    (PermissionDeniedError, ExitCode.PERMISSION),
    (NotFoundError, ExitCode.NOT_FOUND),
    (InsufficientCreditsError, ExitCode.NO_CREDITS),
    (ConflictError, ExitCode.CONFLICT),
    (RateLimitError, ExitCode.RATE_LIMITED),
    (InternalServerError, ExitCode.SERVER),
    (APIStatusError, ExitCode.REJECTED),
    (APIConnectionError, ExitCode.CONNECTION),
    (EnvelopeDeclinedError, ExitCode.DECLINED_OR_VOIDED),
    (EnvelopeVoidedError, ExitCode.DECLINED_OR_VOIDED),
    (WaitTimeoutError, ExitCode.WAIT_TIMEOUT),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an error that ended a command."""
    if isinstance(exc, MissingAPIKeyError):
        return ExitCode.AUTH
    oauth = sys.modules.get("atlas_async.oauth")  # if it was never imported, it raised nothing
    if oauth is not None and isinstance(exc, oauth.OAuthError):
        return ExitCode.AUTH
    for error_type, code in _BY_TYPE:
        if isinstance(exc, error_type):
            return code
    if isinstance(exc, AtlasError):
        return ExitCode.REJECTED  # client-side checks: bad document, detection failed...
    if isinstance(exc, ValueError | OSError):
        return ExitCode.USAGE
    return ExitCode.UNEXPECTED

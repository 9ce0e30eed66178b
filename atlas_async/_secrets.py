"""What the SDK knows to be secret, and the one scrubber that keeps it out of every text it writes.

The SDK registers each secret as it learns it: the API key, the bearer token of each request
(OAuth access tokens, a signer's token), OAuth refresh tokens and codes, webhook secrets. Every
exception message and body, every log record of the SDK's loggers and every line of the command
line goes through :func:`scrub`, which replaces

* every registered secret, wherever it appears (a server or proxy may echo it in any shape);
* ``Bearer <anything>``;
* the value of credential-bearing parameters in query strings, form bodies and JSON
  (``refresh_token=...``, ``"access_token": "..."``, a presigned URL's ``X-Amz-Signature=...``,
  a sign URL's ``t=...``, a review URL's ``rt=...``);
* anything shaped like an Atlas live or test key,

with ``[REDACTED]``, whatever the text came from. Standard library only: ``_errors`` uses it.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from typing import Any

__all__ = ["REDACTED", "register", "scrub", "scrub_value"]

REDACTED = "[REDACTED]"

# Secrets shorter than this are not registered: replacing every "abc" in a message would make it
# unreadable, and no credential the SDK handles is that short.
_MIN_LENGTH = 8
# Bounded: tokens rotate, and a long-lived process must not remember every one it ever saw.
_MAX_REMEMBERED = 512
_known: OrderedDict[str, None] = OrderedDict()
_pattern: re.Pattern[str] | None = None

# Names whose values are credentials: in JSON bodies, and (with the short URL ones, and OAuth's
# ``code``) as ``name=value`` in query strings and form bodies. Atlas's error ``"code"`` is not
# among the JSON names: it is the stable error code, and must stay readable.
_JSON_NAMES = (
    "access_token|refresh_token|id_token|client_secret|client_assertion|code_verifier|"
    "api_key|apikey|password|token|secret"
)
_PARAM_NAMES = (
    f"{_JSON_NAMES}|code|t|rt|sig|signature|x-amz-signature|x-amz-credential|"
    "x-amz-security-token|x-goog-signature|x-goog-credential|awsaccesskeyid"
)


@functools.cache
def _shapes() -> re.Pattern[str]:
    # Compiled on the first scrub, not at import: it is the costliest part of importing the SDK.
    return re.compile(
        r"(?i)(?P<bearer>\bBearer\s+)[^\s\"',;]+"
        rf"|(?P<param>(?<![\w-])(?:{_PARAM_NAMES})=)[^&\s\"'<>]+"
        rf"|(?P<json>\"(?:{_JSON_NAMES})\"\s*:\s*\")[^\"]+"
        r"|\batlas_(?:live|test)_[A-Za-z0-9_-]{6,}"
    )


def register(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`scrub` removes it from every text from now on."""
    global _pattern
    if not secret or len(secret) < _MIN_LENGTH:
        return
    if secret in _known:
        _known.move_to_end(secret)
        return
    _known[secret] = None
    if len(_known) > _MAX_REMEMBERED:
        _known.popitem(last=False)
    _pattern = None  # rebuilt on the next scrub


def _known_pattern() -> re.Pattern[str] | None:
    global _pattern
    if _pattern is None and _known:
        # Longest first, so a secret containing another is replaced whole.
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))
    return _pattern


def _shape(match: re.Match[str]) -> str:
    prefix = match.group("bearer") or match.group("param") or match.group("json") or ""
    return prefix + REDACTED


def scrub(text: str) -> str:
    """``text`` with every secret the SDK knows, or recognises by its shape, replaced."""
    if not text:
        return text
    known = _known_pattern()
    if known is not None:
        text = known.sub(REDACTED, text)
    return _shapes().sub(_shape, text)


def scrub_value(value: Any) -> Any:
    """:func:`scrub` applied to every string inside ``value`` (a parsed JSON body, say)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            scrub(str(k)) if isinstance(k, str) else k: scrub_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v) for v in value)
    return value

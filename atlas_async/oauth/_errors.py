"""The OAuth branch of the exception tree.

Every failure of the OAuth flow is an :class:`OAuthError` (itself an ``AtlasError``). When the
authorization server answered with an RFC 6749 / RFC 7591 error body, ``error`` is its code
(``invalid_grant``, ``invalid_redirect_uri``...) and ``description`` its text, so callers can branch
on the code and people can read the text. No token, code or verifier ever appears in a message.
"""

from __future__ import annotations

from .._errors import AtlasError
from .._secrets import scrub

__all__ = [
    "AuthorizationDeniedError",
    "InvalidGrantError",
    "OAuthDiscoveryError",
    "OAuthError",
    "OAuthRegistrationError",
    "StateMismatchError",
]


class OAuthError(AtlasError):
    """An OAuth step failed. ``error`` is the server's error code when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        description: str | None = None,
        status_code: int | None = None,
    ) -> None:
        # A token endpoint that echoes its form would put the refresh token in the description.
        self.message = scrub(message)
        self.error = error
        self.description = scrub(description) if description is not None else None
        self.status_code = status_code
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.error:
            text += f" [{self.error}]"
        if self.description:
            text += f": {self.description}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructors do not pickle by default; keep errors crossing processes intact.
        return (
            _rebuild,
            (type(self), self.message, self.error, self.description, self.status_code),
        )


def _rebuild(
    cls: type[OAuthError],
    message: str,
    error: str | None,
    description: str | None,
    status_code: int | None,
) -> OAuthError:
    return cls(message, error=error, description=description, status_code=status_code)


class OAuthDiscoveryError(OAuthError):
    """The authorization-server metadata is missing, malformed, or fails a safety check
    (issuer mismatch, no S256, an endpoint that is not HTTPS)."""


class OAuthRegistrationError(OAuthError):
    """Dynamic client registration (RFC 7591) was refused; ``error`` is e.g.
    ``invalid_redirect_uri`` or ``invalid_client_metadata``."""


class InvalidGrantError(OAuthError):
    """``invalid_grant``: the code or refresh token is wrong, used, expired or revoked, or the PKCE
    verifier does not match. For a refresh token this means: log in again."""


class AuthorizationDeniedError(OAuthError):
    """The authorization endpoint redirected back with an error (``access_denied`` when the user
    refused consent)."""


class StateMismatchError(OAuthError):
    """The ``state`` in the redirect is missing or differs from the one we sent: the response does
    not belong to this login (possible CSRF), so its code is not used."""

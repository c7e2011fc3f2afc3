"""OAuth 2.0 / OpenID4VCI error bodies ``{"error", "error_description"}``: these endpoints
speak their protocol's errors, not problem+json (RFC 6749 §5.2, RFC 6750 §3, OpenID4VCI §8.3.1)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store"}


class OAuthError(Exception):
    """An error answered as the protocol defines it; ``status`` 400 unless said otherwise."""

    def __init__(self, error: str, description: str, status: int = 400,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.error, "error_description": self.description},
                            status_code=self.status, headers={**NO_STORE, **self.headers})


def invalid_token(description: str) -> OAuthError:
    """401 with the RFC 6750 challenge naming the error."""
    return OAuthError("invalid_token", description, 401, {
        "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'})


def no_token() -> OAuthError:
    """401 for a request without credentials: RFC 6750 §3.1 says no error code then."""
    return OAuthError("invalid_token", "send 'Authorization: Bearer <access token>'", 401,
                      {"WWW-Authenticate": 'Bearer realm="mcred"'})

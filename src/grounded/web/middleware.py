"""Plain ASGI middleware: body size limits, security headers, the session cookie."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grounded.web.config import MAX_BODY_BYTES
from grounded.web.identity import SESSION_COOKIE

#: Pages load only what the app itself serves: no inline script, no third party.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
#: Pages for people: the API docs page needs its own scripts and is left out of the CSP.
_NO_CSP = ("/api/v1/docs",)


class SecurityHeaders:
    """The security headers, and ``Server-Timing: app;dur=<ms>`` (the time from the request
    to the response's start, which for a page includes rendering it), for benchmarks and the
    browser's developer tools."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        extra = [] if scope["path"].startswith(_NO_CSP) else SECURITY_HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), *extra, (b"server-timing", took)]
            await send(message)

        await self.app(scope, receive, with_headers)


class SessionCookie:
    """Sets the cookie of a session a route opened (``state['new_session_cookie']``) or
    clears it (``state['clear_session_cookie']``): HttpOnly, SameSite=Lax, Secure over TLS."""

    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        secure = self.secure or scope.get("scheme") == "https"

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = _cookie(state, secure=secure)
                if cookie is not None:
                    message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, with_cookie)


def _cookie(state: dict[str, Any], *, secure: bool) -> str | None:
    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    if state.get("clear_session_cookie"):
        return f"{SESSION_COOKIE}=; Max-Age=0{flags}"
    token = state.get("new_session_cookie")
    return f"{SESSION_COOKIE}={token}{flags}" if token else None


class BodyLimit:
    """Refuses a body larger than the limit before reading it: by its Content-Length at
    once, or, for a body sent without one, as soon as the bytes received pass the limit.
    Uploads (``/import`` routes) get the upload limit; everything else a small one."""

    def __init__(self, app: ASGIApp, *, upload_limit: int, body_limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].rstrip("/").endswith("/import") else self.body_limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(scope, send, limit)


class BodyTooLarge(HTTPException):
    """An HTTP error, so that FastAPI's body parsing lets it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=_too_large_text(limit))
        self.limit = limit


def _too_large_text(limit: int) -> str:
    return f"the request is larger than {limit / (1024 * 1024):g} MB; split the file or raise the server's limit"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    body = {
        "type": "https://grounded.dev/problems/too-large",
        "title": "Too large",
        "status": 413,
        "detail": _too_large_text(limit),
        "instance": scope["path"],
    }
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/problem+json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})

"""The app's own ASGI middleware: locale, body limits, the SQLite write gate, security headers
and compression. create_app (app.main) decides which are installed and in what order."""

import asyncio
import re

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors, i18n
from app.domain.errors import UserError

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


class LocaleMiddleware:
    """Set the request's locale; `?lang=en` anywhere switches language and remembers it."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        chosen = request.query_params.get("lang")
        locale = i18n.negotiate_locale(chosen, request.cookies.get(i18n.LOCALE_COOKIE))
        i18n.set_locale(locale)
        scope.setdefault("state", {})["locale"] = locale
        remember = chosen in i18n.SUPPORTED_LOCALES

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = (
                    f"{i18n.LOCALE_COOKIE}={locale}; Path=/; Max-Age={LOCALE_COOKIE_MAX_AGE}; "
                    "HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                )
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimit:
    """Refuse request bodies over the limit before anything reads them (the CSRF check parses
    forms), with a translated answer: 2 MB for forms, more where files are uploaded.

    A declared Content-Length over the limit is answered at once; a body without one is
    counted while it streams in and cut off at the limit.
    """

    UPLOADS = re.compile(r"^/staff/monitoring/(items/\d+/reports|[^/]+/import)$")

    def __init__(self, app: ASGIApp, *, form_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.form_bytes = form_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if self.UPLOADS.match(scope["path"]) else self.form_bytes
        message = i18n.gettext("The upload is too large: at most %(mb)s MB in all.") % {
            "mb": max(1, limit // (1024 * 1024))
        }
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await errors.error_response(Request(scope), 413, message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > limit:
                    raise UserError(message, status_code=413)
            return incoming

        await self.app(scope, counted, send)


class SQLiteWriteGate:
    """At most `limit` writing requests at a time per process, waiting in the event loop.

    On SQLite a writing request takes the database's one write lock at its first query
    (BEGIN IMMEDIATE) and keeps it across several thread-pool hops (each sync dependency
    and the handler run as separate calls). Without a gate, a burst of writes can fill
    the whole thread pool with requests blocked on the lock while the one holding it waits
    for a free thread: everything stalls until the busy timeout ("database is locked").
    Waiting here, before any thread is taken, keeps threads free for the lock holder.
    """

    def __init__(self, app: ASGIApp, *, limit: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if self.gate is None:
            self.gate = asyncio.Semaphore(self.limit)
        async with self.gate:
            await self.app(scope, receive, send)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        # Inline style attributes carry chart widths; scripts come only from /static.
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
]


class SecurityHeadersMiddleware:
    """Browser hardening headers on every response (the API docs page loads Swagger UI's assets
    from its CDN, so it gets no Content-Security-Policy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = SECURITY_HEADERS
        if scope["path"].startswith("/api/v1/docs"):
            headers = [h for h in SECURITY_HEADERS if h[0] != b"content-security-policy"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CompressionMiddleware:
    """gzip for pages (GZipMiddleware already skips event streams), letting Starlette's
    template debug messages through so tests can still read response.template/.context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def app_keeping_debug(scope: Scope, receive: Receive, inner_send: Send) -> None:
            async def forward(message: Message) -> None:
                await (send if message["type"] == "http.response.debug" else inner_send)(message)

            await self.app(scope, receive, forward)

        await GZipMiddleware(app_keeping_debug, minimum_size=1000, compresslevel=5)(
            scope, receive, send
        )

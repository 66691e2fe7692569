"""The app's own ASGI middleware: locale, body limits, incoming text cleaning, the SQLite write
gate, security headers and compression. create_app (app.main) decides which are installed and
in what order."""

import contextlib
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors, i18n
from app.domain.errors import UserError
from app.domain.text import clean_text
from app.static_files import critical_css_source

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


class LocaleMiddleware:
    """Set the request's locale; `?lang=en` anywhere switches language and remembers it.

    Every request passes here, /healthz and ballots included: the query string and cookies are
    parsed only when they can hold a choice, and the response is wrapped only when one is
    remembered (a Request with its query and cookie parsing was ~10% of /healthz's CPU)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure
        self.cookie_name = i18n.LOCALE_COOKIE.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = saved = None
        query = scope.get("query_string", b"")
        if b"lang" in query or b"%" in query:  # the name may come percent-encoded
            chosen = Request(scope).query_params.get("lang")
        for name, value in scope["headers"]:
            if name == b"cookie" and self.cookie_name in value:
                saved = Request(scope).cookies.get(i18n.LOCALE_COOKIE)
                break
        locale = i18n.negotiate_locale(chosen, saved)
        i18n.set_locale(locale)
        scope.setdefault("state", {})["locale"] = locale
        if chosen not in i18n.SUPPORTED_LOCALES:
            await self.app(scope, receive, send)
            return
        cookie = (
            f"{i18n.LOCALE_COOKIE}={locale}; Path=/; Max-Age={LOCALE_COOKIE_MAX_AGE}; "
            "HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
        ).encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"set-cookie", cookie))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimit:
    """Refuse request bodies over the limit before anything reads them (the CSRF check parses
    forms), with a translated answer: 2 MB for forms, more where files are uploaded.

    A declared Content-Length over the limit is answered at once; a body without one is
    counted while it streams in and cut off at the limit.
    """

    UPLOADS = re.compile(
        r"^/staff/monitoring/(items/\d+/reports|[^/]+/import)$"
        r"|^(/staff)?/cities/[^/]+/proposals/\d+/images$"
    )

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


def _clean_query(raw: bytes) -> bytes:
    """A query string or urlencoded body with every name and value cleaned; the same bytes
    when nothing needed cleaning (so ordinary requests pass untouched)."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    cleaned = [(clean_text(name), clean_text(value)) for name, value in pairs]
    return raw if cleaned == pairs else urlencode(cleaned).encode()


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): _clean_json(item) for key, item in value.items()}
    return value


class _MultipartCleaner:
    """Rewrites a multipart body as it streams in: text fields cleaned, a file's content passed
    through byte for byte, only its file name (in Content-Disposition) cleaned."""

    def __init__(self, boundary: bytes) -> None:
        self.boundary = boundary
        self.out: list[bytes] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.field = self.value = b""
        self.is_file = False
        self.data: list[bytes] = []
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> bytes:
        self.parser.write(chunk)
        out, self.out = b"".join(self.out), []
        return out

    def _part_begin(self) -> None:
        self.headers, self.data, self.is_file = [], [], False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        name, value = self.field, self.value
        self.field = self.value = b""
        if name.lower() == b"content-disposition":
            kind, options = parse_options_header(value)
            if b"filename" in options:
                self.is_file = True
                filename = options[b"filename"].decode("utf-8", "replace")
                if clean_text(filename) != filename:
                    value = self._disposition(kind, options, clean_text(filename))
        self.headers.append((name, value))

    @staticmethod
    def _disposition(kind: bytes, options: dict[bytes, bytes], filename: str) -> bytes:
        def quoted(text: str) -> str:  # as browsers write them
            return text.replace('"', "%22").replace("\n", "%0A")

        name = options.get(b"name", b"").decode("utf-8", "replace")
        header = f'{kind.decode("latin-1")}; name="{quoted(name)}"; filename="{quoted(filename)}"'
        return header.encode()

    def _headers_finished(self) -> None:
        self.out.append(b"--" + self.boundary + b"\r\n")
        self.out.extend(name + b": " + value + b"\r\n" for name, value in self.headers)
        self.out.append(b"\r\n")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        (self.out if self.is_file else self.data).append(data[start:end])

    def _part_end(self) -> None:
        if not self.is_file:
            raw = b"".join(self.data)
            with contextlib.suppress(UnicodeDecodeError):  # not UTF-8: left to the form parser
                raw = clean_text(raw.decode()).encode()
            self.out.append(raw)
        self.out.append(b"\r\n")

    def _end(self) -> None:
        self.out.append(b"--" + self.boundary + b"--\r\n")


class CleanIncomingText:
    """Every text a handler reads has been through domain.text.clean_text: query parameters
    (names and values), urlencoded and multipart form fields (files untouched but for their
    names) and JSON bodies. Applied here, once, so no route can forget it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        cleaned = _clean_query(query) if query else query
        if cleaned != query:
            scope = dict(scope, query_string=cleaned)
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope["headers"])
            kind, options = parse_options_header(headers.get(b"content-type", b""))
            if kind == b"application/x-www-form-urlencoded":
                receive = await self._rewritten(scope, receive, _clean_query)
            elif kind == b"application/json" or kind.endswith(b"+json"):
                receive = await self._rewritten(scope, receive, self._json)
            elif kind == b"multipart/form-data" and options.get(b"boundary"):
                # The rewritten body's length differs; the form parser reads to the end anyway.
                scope["headers"] = [h for h in scope["headers"] if h[0] != b"content-length"]
                receive = self._multipart(receive, options[b"boundary"])
        await self.app(scope, receive, send)

    @staticmethod
    def _json(body: bytes) -> bytes:
        try:
            value = json.loads(body)
        except ValueError:
            return body  # the handler refuses it
        cleaned = _clean_json(value)
        return body if cleaned == value else json.dumps(cleaned, ensure_ascii=False).encode()

    @staticmethod
    async def _rewritten(scope: Scope, receive: Receive, rewrite: Any) -> Receive:
        """Read the whole body (BodyLimit, outside, has bounded it) and replay it rewritten."""
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive  # the client went away: let the app see it
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = rewrite(b"".join(chunks))
        length = str(len(body)).encode()
        scope["headers"] = [
            (k, length if k == b"content-length" else v) for k, v in scope["headers"]
        ]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    @staticmethod
    def _multipart(receive: Receive, boundary: bytes) -> Receive:
        cleaner = _MultipartCleaner(boundary)

        async def cleaned() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                try:
                    body = cleaner.feed(message.get("body", b""))
                except MultipartParseError as exc:
                    raise UserError(i18n.gettext("The form could not be read.")) from exc
                message = {**message, "body": body}
            return message

        return cleaned


def security_headers() -> list[tuple[bytes, bytes]]:
    """Scripts come only from /static. Inline style attributes carry chart widths; the only
    <style> element allowed is the entry pages' first-screen CSS, by its hash (browsers without
    style-src-elem fall back to style-src, as before)."""
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        f"style-src-elem 'self' {critical_css_source()}; style-src-attr 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", policy.encode()),
        # No page uses these (photos are chosen through the file picker, which needs no camera
        # permission); the proposal forms ask for the location (LOCATING_PAGES), nothing else does.
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]


# The pages with a proposal form and its "use my location" button (the form comes back at the
# POST addresses when refused): there, this site (no frame, no other origin) may ask.
LOCATING_PAGES = re.compile(r"^(?:/staff)?/cities/[^/]+/proposals(?:/new|/[0-9]+(?:/edit)?)?$")
LOCATING_POLICY = (
    b"permissions-policy",
    b"camera=(), microphone=(), geolocation=(self), payment=(), usb=()",
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    """Browser hardening headers on every response (the API docs page loads Swagger UI's assets
    from its CDN, so it gets no Content-Security-Policy). HSTS when served over HTTPS: the
    request came over it, or the public URL is https (TLS ending at a proxy in front)."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.headers = security_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = self.headers
        if scope["path"].startswith("/api/v1/docs"):
            headers = [h for h in self.headers if h[0] != b"content-security-policy"]
        if LOCATING_PAGES.match(scope["path"]):
            headers = [h for h in headers if h[0] != b"permissions-policy"] + [LOCATING_POLICY]
        if self.https or scope.get("scheme") == "https":
            headers = [*headers, HSTS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


GZIP_OPTIONS: dict[str, Any] = {"minimum_size": 1000, "compresslevel": 5}
VARY_ENCODING = (b"vary", b"Accept-Encoding")


class CompressionMiddleware:
    """gzip for pages (GZipMiddleware already skips event streams), letting Starlette's
    template debug messages through so tests can still read response.template/.context.

    A client that does not accept gzip (a load balancer's health check, a script) passes
    straight through with only "Vary: Accept-Encoding" added, so that a proxy or CDN keeping
    that answer (static files are cached for a year) does not hand it to phones that would get
    it compressed. Starlette's identity path re-read every response's headers to add it only
    to larger bodies (~13% of /healthz's CPU); on a small or never-compressed answer it is
    harmless.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, **GZIP_OPTIONS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not any(
            name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"]
        ):

            async def send_with_vary(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", []).append(VARY_ENCODING)
                await send(message)

            await self.app(scope, receive, send_with_vary)
            return
        if "http.response.debug" not in scope.get("extensions", {}):
            await self.gzip(scope, receive, send)
            return

        # Starlette's TestClient: its debug message goes around the compression.
        async def app_keeping_debug(scope: Scope, receive: Receive, inner_send: Send) -> None:
            async def forward(message: Message) -> None:
                debug = message["type"] == "http.response.debug"
                await (send if debug else inner_send)(message)

            await self.app(scope, receive, forward)

        await GZipMiddleware(app_keeping_debug, **GZIP_OPTIONS)(scope, receive, send)

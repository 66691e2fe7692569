"""Passwords, CSRF tokens and the keyed hashes that keep voters anonymous."""

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request

CSRF_SESSION_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_hasher = PasswordHasher()


class CSRFError(Exception):
    """A state-changing request arrived without the session's CSRF token."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a dummy hash when the account is unknown keeps response times alike,
# so login timing does not reveal which e-mail addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return str(token)


def _foreign_origin(request: Request) -> bool:
    """A browser names the page a request comes from; one from another site (or an opaque
    "null" origin) is refused even with a token. Hosts are compared, not schemes: behind a
    proxy the app may see http while the browser says https."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    ours = {request.headers.get("host", "").lower()}
    public_url = request.app.state.settings.public_url
    if public_url:
        ours.add(urlsplit(public_url).netloc.lower())
    return urlsplit(origin).netloc.lower() not in ours


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: every unsafe method needs the session's token in a header or form,
    and must not come from another site's page."""
    if request.method in SAFE_METHODS:
        return
    if _foreign_origin(request):
        raise CSRFError
    expected = request.session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # Read whole here (Starlette keeps it for the handler) even when the header carries the
        # token: the app-wide dependency after this one takes a database session slot
        # (app/db.SessionSlots), and a phone uploading a photo over slow 3G must not hold one.
        form = await request.form()
        if not sent:
            value = form.get(CSRF_FORM_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CSRFError


def keyed_hash(secret_key: str, *parts: object) -> str:
    """HMAC-SHA256 of the parts: stable per secret, meaningless without it."""
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()

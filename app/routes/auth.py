"""Staff login and logout, and the account page: a new password, "sign out everywhere"."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.db import SessionDep
from app.deps import (
    SESSION_DEVICE_KEY,
    SESSION_USER_KEY,
    SESSION_VERSION_KEY,
    AnyStaff,
    OptionalUser,
    rotate_device,
)
from app.i18n import gettext as _
from app.i18n import ngettext
from app.routes.forms import local_path, refused_form
from app.security import CSRF_SESSION_KEY
from app.services import accounts, sessions
from app.services.login_throttle import LoginThrottle
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    return local_path(target, "/staff")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(
        request, "auth/login.html", {"next": _safe_next(next), "email": "", "error": None}
    )


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    context = {"next": _safe_next(next), "email": email}
    throttled = throttle.check(email, address)
    if throttled is not None:
        minutes = max(1, -(-throttled.retry_after // 60))
        message = ngettext(
            "Too many wrong passwords. Please wait %(num)d minute and try again.",
            "Too many wrong passwords. Please wait %(num)d minutes and try again.",
            minutes,
        ) % {"num": minutes}
        response = render(request, "auth/login.html", context | {"error": message}, status_code=429)
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    account = accounts.authenticate(session, email, password) if email and password else None
    if account is None:
        if email and password:
            throttle.failed(email, address)
        context["error"] = _("The e-mail address or password is not correct.")
        return render(request, "auth/login.html", context, status_code=400)
    throttle.succeeded(email, address)
    # A fresh session on login: nothing from before (fixation) carries over, except the device's
    # workshop memberships, which are not privileges (and move to a new device id).
    device = request.session.get(SESSION_DEVICE_KEY)
    request.session.clear()
    if device:
        request.session[SESSION_DEVICE_KEY] = device
        rotate_device(request, session)
        session.commit()
    request.session[SESSION_USER_KEY] = account.id
    request.session[SESSION_VERSION_KEY] = account.session_version
    flash(request, _("Welcome, %(name)s.") % {"name": account.display_name})
    return RedirectResponse(_safe_next(next), status_code=303)


def _end_this_session(request: Request) -> None:
    for key in (SESSION_USER_KEY, SESSION_VERSION_KEY, CSRF_SESSION_KEY):
        request.session.pop(key, None)


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """Ends the session on the server too: a copy of this cookie no longer opens anything. The
    session version is per account, so this signs the account out on its other devices too."""
    if user is not None:
        sessions.end_staff_sessions(session, user)
        session.commit()
    _end_this_session(request)
    flash(request, _("You have logged out."))
    return RedirectResponse("/", status_code=303)


def _account_page(request: Request, error: str | None = None) -> Response:
    return render(request, "auth/account.html", {"error": error})


@router.get("/staff/account")
def account_page(request: Request, user: AnyStaff) -> Response:
    return _account_page(request)


@router.post("/staff/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: AnyStaff,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    with refused_form(session, lambda e: _account_page(request, e.message)):
        accounts.change_password(
            session, user, current=current_password, new=new_password, confirm=confirm_password
        )
        version = sessions.end_staff_sessions(session, user)
    session.commit()
    # This device stays signed in, with a fresh session; every other one is signed out.
    request.session[SESSION_VERSION_KEY] = version
    request.session.pop(CSRF_SESSION_KEY, None)
    flash(request, _("Your password is changed. Your other devices are signed out."))
    return RedirectResponse("/staff/account", status_code=303)


@router.post("/staff/account/sign-out-everywhere")
def sign_out_everywhere(request: Request, session: SessionDep, user: AnyStaff) -> Response:
    sessions.end_staff_sessions(session, user)
    session.commit()
    _end_this_session(request)
    flash(request, _("You are signed out on every device."))
    return RedirectResponse("/login", status_code=303)

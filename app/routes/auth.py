"""Staff login and logout."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.db import SessionDep
from app.deps import SESSION_USER_KEY
from app.i18n import gettext as _
from app.i18n import ngettext
from app.services import accounts
from app.services.login_throttle import LoginThrottle
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff"


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
    # workshop memberships, which are not privileges.
    participants = request.session.get("participants")
    request.session.clear()
    if participants:
        request.session["participants"] = participants
    request.session[SESSION_USER_KEY] = account.id
    flash(request, _("Welcome, %(name)s.") % {"name": account.display_name})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.pop(SESSION_USER_KEY, None)
    request.session.pop("csrf", None)
    flash(request, _("You have logged out."))
    return RedirectResponse("/", status_code=303)

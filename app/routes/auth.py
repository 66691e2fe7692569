"""Staff login and logout."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.db import SessionDep
from app.deps import SESSION_USER_KEY
from app.i18n import gettext as _
from app.services import accounts
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
    account = accounts.authenticate(session, email, password) if email and password else None
    if account is None:
        context = {
            "next": _safe_next(next),
            "email": email,
            "error": _("The e-mail address or password is not correct."),
        }
        return render(request, "auth/login.html", context, status_code=400)
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

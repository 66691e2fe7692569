"""The one mapping of errors to HTTP: an HTML page, an htmx partial or JSON problem details.

The error types themselves are framework-free and live in app.domain.errors."""

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import JoinRequired, LoginRequired, UserError
from app.i18n import gettext as _
from app.security import CSRFError
from app.templating import render

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem(request: Request, status: int, title: str, detail: str, **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return _problem(request, status, _status_title(status), message)
    context = {"status": status, "title": _status_title(status), "message": message}
    if request.headers.get("hx-request"):
        # Show the message in the page's message area instead of replacing the element acted on.
        response = render(request, "errors/_error.html", context, status_code=status)
        response.headers["HX-Retarget"] = "#flash-area"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "errors/error.html", context, status_code=status)


def _status_title(status: int) -> str:
    titles = {
        400: _("The request could not be used"),
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Not possible right now"),
        413: _("Too large"),
        422: _("Please check what you entered"),
        429: _("Please slow down"),
        500: _("Something went wrong"),
    }
    return titles.get(status, _("Something went wrong"))


def install(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def _user_error(request: Request, exc: UserError) -> Response:
        return error_response(request, exc.status_code, exc.message)

    @app.exception_handler(CSRFError)
    async def _csrf(request: Request, exc: CSRFError) -> Response:
        message = _(
            "This form has expired or did not come from this site. "
            "Go back, reload the page and send it again; what you typed is still in your browser."
        )
        return error_response(request, 403, message)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return _problem(request, 401, _status_title(401), _("Log in with a staff account."))
        target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(JoinRequired)
    async def _join(request: Request, exc: JoinRequired) -> Response:
        if wants_json(request):
            detail = _("Join first: this device has not taken part here yet (%(url)s).") % {
                "url": exc.target
            }
            return _problem(request, 401, _status_title(401), detail, join_url=exc.target)
        target = exc.target
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted(
            {".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in exc.errors()}
        )
        message = _("Some fields are missing or invalid: %(fields)s") % {
            "fields": ", ".join(fields)
        }
        if wants_json(request):
            return _problem(
                request, 422, _status_title(422), message, errors=jsonable_encoder(exc.errors())
            )
        return error_response(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            404: _("There is no page at this address."),
            405: _("This address does not accept that kind of request."),
        }
        message = messages.get(exc.status_code) or str(exc.detail)
        response = error_response(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            request,
            500,
            _("The server could not finish this request. Nothing was saved; please try again."),
        )

"""One way to handle a refused form: roll back, and show the same form again with the reason.

    with refused_form(session, lambda error: render(request, "x/form.html", {"error": ...})):
        service.do_it(session, ...)
    session.commit()

A refusal (a UserError) inside the block rolls the session back, renders the page again through
the callback (after the rollback, so it shows what is stored), gives it the refusal's status
(422, 409, ...) and ends the request with it.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Request
from sqlmodel import Session
from starlette.responses import Response

from app import i18n
from app.domain import bounds
from app.domain.errors import UserError
from app.services.workshops import JoinDetails
from app.templating import render

FormPage = Callable[[UserError], Response]


class FormRefused(Exception):
    """Carries the re-rendered form out of the handler; install() sends it as the response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@contextmanager
def refused_form(session: Session, page: FormPage, *, reraise_404: bool = False) -> Iterator[None]:
    """On a refusal, roll back and answer with page(error).

    reraise_404: a missing row (the idea or phase acted on) is the error page, not the form.
    """
    try:
        yield
    except UserError as error:
        if reraise_404 and error.status_code == 404:
            raise
        session.rollback()
        response = page(error)
        response.status_code = error.status_code
        retry_after = getattr(error, "retry_after", None)  # a rate limit says when to retry
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        raise FormRefused(response) from error


def whole_number(raw: str, label: str, *, low: int = 0, high: int) -> int | None:
    """An optional whole number typed in a form ("1,500" and Thai digits too), within
    [low, high]; a 422 that names the field otherwise."""
    raw = raw.strip().replace(",", "")
    if not raw:
        return None
    digits = raw.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    if not re.fullmatch(r"-?[0-9]+", digits):
        raise UserError(
            i18n.gettext("%(field)s must be a whole number.") % {"field": label}, status_code=422
        )
    value = int(digits) if len(digits) <= 20 else high + 1
    if not low <= value <= high:
        raise UserError(
            i18n.gettext("%(field)s must be between %(low)s and %(high)s.")
            % {"field": label, "low": i18n.format_number(low), "high": i18n.format_number(high)},
            status_code=422,
        )
    return value


def check_day(day: date) -> date:
    """A date within the years the app accepts (shown in the Buddhist Era in Thai)."""
    if not bounds.day_in_range(day):
        raise UserError(
            i18n.gettext("Enter a date between %(first)s and %(last)s.")
            % {
                "first": i18n.format_date(bounds.FIRST_DAY),
                "last": i18n.format_date(bounds.LAST_DAY),
            },
            status_code=422,
        )
    return day


def local_path(target: str | None, default: str) -> str:
    """A redirect target from a form or query (`next`), if it is a path on this site; else
    `default`. Refused: anything not starting with one "/" (`//host` is another site), a
    backslash (browsers read it as "/"), a scheme anywhere, and whitespace or control
    characters (browsers drop tabs and newlines, which could turn `/\t/host` into `//host`)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or "://" in target
        or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return default
    return target


def install(app: FastAPI) -> None:
    @app.exception_handler(FormRefused)
    async def _refused(request: Request, exc: FormRefused) -> Response:
        return exc.response


def confirm_first(
    request: Request,
    *,
    action: str,
    title: str,
    message: str,
    confirm_label: str,
    cancel_url: str,
    fields: dict[str, str] | None = None,
) -> Response:
    """The confirmation step of an action that cannot be undone, for a form that came without
    `confirm=yes` (no JavaScript, so no dialog asked). Nothing is written; the page posts the
    same form again with the confirmation."""
    context = {
        "confirm": {
            "action": action,
            "title": title,
            "message": message,
            "label": confirm_label,
            "cancel_url": cancel_url,
            "fields": fields or {},
        }
    }
    name = "staff/_confirm.html" if request.headers.get("HX-Request") else "staff/confirm.html"
    return render(request, name, context)


def join_form(
    stakeholder_group: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    age_band: Annotated[str, Form()] = "",
    community: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> JoinDetails:
    """The join form of a workshop and of a city's board (the same fields); a refused one is
    shown again as typed (the templates read it as `form`)."""
    return JoinDetails(
        group=stakeholder_group,
        display_name=display_name,
        age_band=age_band,
        community=community,
        consent=consent == "yes",
    )


JoinForm = Annotated[JoinDetails, Depends(join_form)]

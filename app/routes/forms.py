"""One way to handle a refused form: roll back, and show the same form again with the reason.

    with refused_form(session, lambda error: render(request, "x/form.html", {"error": ...})):
        service.do_it(session, ...)
    session.commit()

A refusal (a UserError) inside the block rolls the session back, renders the page again through
the callback (after the rollback, so it shows what is stored), gives it the refusal's status
(422, 409, ...) and ends the request with it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from sqlmodel import Session
from starlette.responses import Response

from app.domain.errors import UserError

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


def install(app: FastAPI) -> None:
    @app.exception_handler(FormRefused)
    async def _refused(request: Request, exc: FormRefused) -> Response:
        return exc.response

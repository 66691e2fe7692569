"""Framework-free error types. `CodedError` is the one shape of a refusal from pure code: a
stable code and parameters, so the web layer can say it in Thai or English, plus an English
text for logs, tests and the command line. `UserError` and its kin carry an already translated
message from services; only app.errors maps them to HTTP."""

from collections.abc import Mapping
from typing import Any, ClassVar


class CodedError(ValueError):
    """Subclasses list their codes in `messages` (English templates over the params)."""

    messages: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        template = self.messages.get(code, code)
        try:
            text = template.format(**self.params)
        except (KeyError, IndexError):
            text = template
        super().__init__(text)


class UserError(Exception):
    """A refusal with a translated message the user can act on."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(UserError):
    status_code = 404


class Conflict(UserError):
    status_code = 409


class Forbidden(UserError):
    status_code = 403


class LoginRequired(Exception):
    """No staff session; pages redirect to the login form, the API answers 401."""


class JoinRequired(Exception):
    """The device has not joined this workshop (or this city's proposal board) yet."""

    def __init__(self, join_code: str, *, target: str | None = None) -> None:
        super().__init__(join_code)
        self.join_code = join_code
        self.target = target or f"/w/{join_code}"  # where the device joins

"""The one shape of a refusal from pure code: a stable code and parameters, so the web layer
can say it in Thai or English, plus an English text for logs, tests and the command line."""

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

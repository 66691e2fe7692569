"""Static files with versioned URLs: static_url("app.css") is "/static/app.css?v=<hash of the
content>", cached by browsers for a year as immutable; a request without the current version
(an old page, a hand-typed URL) gets a five-minute cache, so a deploy shows at once."""

import base64
import hashlib
import os
import re
from functools import cache
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


@cache  # once per file and process: the files change only with a deploy (a restart)
def _version(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    return f"/static/{path}?v={_version(path)}"


class VersionedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        version = QueryParams(scope.get("query_string", b"")).get("v")
        relative = Path(full_path).resolve().relative_to(STATIC_DIR).as_posix()
        current = version is not None and version == _version(relative)
        response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
        return response


CRITICAL_RUN = re.compile(r"/\*! critical \*/(.*?)/\*! end critical \*/", re.DOTALL)
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@cache
def critical_css() -> str:
    """The first screen's rules of the entry pages: the marked runs of app.css, in their order,
    without comments or indentation. A page that carries them inline paints after one round
    trip instead of two (the stylesheet's own), which is a second on a slow phone network."""
    runs = CRITICAL_RUN.findall((STATIC_DIR / "app.css").read_text(encoding="utf-8"))
    lines = COMMENT.sub("", "\n".join(runs)).splitlines()
    css = "\n".join(line.strip() for line in lines if line.strip())
    if not css or "</" in css:  # nothing marked, or text that would end the <style> element
        raise ValueError("app.css: no usable /*! critical */ runs")
    return css


@cache
def critical_css_source() -> str:
    """The Content-Security-Policy source that lets exactly that inline stylesheet apply."""
    digest = hashlib.sha256(critical_css().encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"

"""The one Jinja2 environment: gettext, Thai date filters, and the context every page needs."""

import uuid
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import Response

from app import i18n, labels
from app.domain.text import IDEA_MAX_LENGTH
from app.models import StakeholderGroup
from app.security import csrf_token
from app.static_files import critical_css, static_url

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTMX_VERSION = "2.0.11"
FLASH_KEY = "flash"


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "locale": i18n.get_locale(),
        "csrf_token": csrf_token(request),
        "current_user": getattr(request.state, "user", None),
        "flashes": request.session.pop(FLASH_KEY, []),
        "htmx_src": static_url(f"htmx-{HTMX_VERSION}.min.js"),
        # An entry page inlines its first screen's rules, unless the visitor comes from one of
        # our own pages (each loads the whole stylesheet, so it is in the browser's cache).
        "critical_css": None
        if request.headers.get("sec-fetch-site") == "same-origin"
        else Markup(critical_css()),  # noqa: S704 (our own stylesheet, checked for "</")
    }


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["thaidate"] = i18n.format_date
    env.filters["thaidatetime"] = i18n.format_datetime
    env.filters["number"] = i18n.format_number
    env.globals["group_label"] = labels.stakeholder_group
    env.globals["role_label"] = labels.role
    env.globals["channel_label"] = labels.channel
    env.globals["municipality_label"] = labels.municipality_type
    env.globals["age_label"] = labels.age_band
    env.globals["phase_title"] = labels.phase_title
    env.globals["phase_hint"] = labels.phase_hint
    env.globals["phase_kind_label"] = labels.phase_kind
    env.globals["method_label"] = labels.vote_method
    env.globals["rule_label"] = labels.vote_rule
    env.globals["score_label"] = labels.rule_score
    env.globals["plan_state_label"] = labels.plan_state
    env.globals["plan_field_label"] = labels.plan_field
    env.globals["chain_words"] = labels.ChainWords
    env.globals["item_words"] = labels.ItemWords
    env.globals["round_status_label"] = labels.round_status
    env.globals["eligibility_label"] = labels.eligibility
    env.globals["item_status_label"] = labels.item_status
    env.globals["report_state_label"] = labels.report_state
    env.globals["indicator_state_label"] = labels.indicator_state
    env.globals["dimension_label"] = labels.dimension
    env.globals["period_label"] = labels.period_label
    env.globals["period_key_label"] = labels.period_key_label
    env.globals["import_field_label"] = labels.import_field
    env.globals["proposal_status_label"] = labels.proposal_status
    env.globals["proposal_origin_label"] = labels.proposal_origin
    env.globals["history_action_label"] = labels.history_action
    env.globals["proposal_field_label"] = labels.proposal_field
    env.globals["proposal_value"] = labels.proposal_value
    env.globals["groups_all"] = list(StakeholderGroup)
    env.globals["static_url"] = static_url
    env.globals["unit_label"] = labels.unit
    env.globals["idea_max_length"] = IDEA_MAX_LENGTH
    env.globals["new_client_key"] = lambda: uuid.uuid4().hex
    return env


templates = Jinja2Templates(env=_build_environment(), context_processors=[_page_context])


def render_fragment(name: str, context: dict[str, Any]) -> str:
    """Render a template outside a request (live events); forms in it rely on the page's
    X-CSRF-Token header, since fragments only ever reach pages running htmx."""
    return templates.env.get_template(name).render(
        {"locale": i18n.get_locale(), "csrf_token": "", **context}
    )


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    response.headers.append("Vary", "Sec-Fetch-Site")  # entry pages differ by it (critical CSS)
    return response


def flash(request: Request, message: str) -> None:
    """Show a message once on the next page (after a redirect)."""
    request.session[FLASH_KEY] = [*request.session.get(FLASH_KEY, []), message]

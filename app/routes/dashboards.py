"""Dashboards: one city's plan progress, and the pilot cities side by side. Public and
read-only (published reports only); a city's planners also see what waits for review.
The data behind every chart downloads as CSV."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import labels
from app.db import SessionDep
from app.deps import CityBySlug, OptionalUser
from app.domain import charts
from app.domain.errors import NotFound
from app.domain.export import to_csv
from app.domain.indicator_library import LIBRARY
from app.domain.monitoring import ItemStatus
from app.i18n import format_number
from app.i18n import gettext as _
from app.models import City
from app.services import monitoring as service
from app.services.access import is_planner
from app.templating import render

router = APIRouter(prefix="/dashboards", include_in_schema=False)
CITY_TABLES = ("status", "budget", "items", "indicators")


def _status_chart(counts: dict[str, int]) -> str:
    bars = [(labels.item_status(s.value), counts.get(s.value, 0)) for s in ItemStatus]
    return charts.bar_chart(
        _("Plan items by status"),
        bars if any(n for _label, n in bars) else [],
        unit=_("items"),
        empty_text=_("No plan items yet."),
    )


def _indicator_chart(row: service.IndicatorRow, locale_en: bool) -> str:
    name = row.indicator.name_en if locale_en and row.indicator.name_en else row.indicator.name_th
    return charts.line_chart(
        name,
        [(labels.period_label(p), v) for p, v in row.series],
        target=row.indicator.target_value,
        baseline=row.indicator.baseline_value,
        unit=labels.unit(row.indicator.unit),
        empty_text=_("No values yet."),
        target_text=_("Target"),
        baseline_text=_("Baseline"),
    )


@router.get("")
def programme_dashboard(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    include = user is not None and user.role == "admin"
    columns = service.programme_dashboard(session, include_unpublished=include)
    english = getattr(request.state, "locale", "th") == "en"

    def name(c: City) -> str:
        return c.name_en if english else c.name_th

    with_items = [c for c in columns if c.items]
    shared = [e for e in LIBRARY if sum(1 for c in columns if e.key in c.indicators) >= 2]
    context = {
        "columns": columns,
        "shared": shared,
        "progress_chart": charts.bar_chart(
            _("Average progress of plan items (%)"),
            [(name(c.city), round(c.overall_progress or 0, 1)) for c in with_items],
            unit="%",
            max_value=100,
            empty_text=_("No plan items yet."),
        ),
        "budget_chart": charts.grouped_bar_chart(
            _("Budget planned and spent (million baht)"),
            [name(c.city) for c in with_items],
            [
                (_("Planned"), [c.budget_planned / 1e6 for c in with_items]),
                (_("Spent"), [c.budget_spent / 1e6 for c in with_items]),
            ],
            unit=_("million baht"),
            empty_text=_("No budget recorded yet."),
        ),
        "format_number": format_number,
    }
    return render(request, "dashboards/programme.html", context)


@router.get("/programme.csv")
def programme_data(session: SessionDep, user: OptionalUser) -> Response:
    include = user is not None and user.role == "admin"
    columns = service.programme_dashboard(session, include_unpublished=include)
    header = [
        "city",
        "plan_items",
        *[f"status_{s.value}" for s in ItemStatus],
        "budget_planned",
        "budget_spent",
        "average_progress",
        "from_participation_share",
        "items_overdue",
        *[f"indicator_{e.key}" for e in LIBRARY],
    ]
    rows = [
        [
            c.city.slug,
            c.items,
            *[c.status_counts.get(s.value, 0) for s in ItemStatus],
            c.budget_planned,
            c.budget_spent,
            c.overall_progress,
            c.participation_share,
            c.overdue,
            *[c.indicators[e.key].latest if e.key in c.indicators else None for e in LIBRARY],
        ]
        for c in columns
    ]
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="programme.csv"'},
    )


@router.get("/{slug}")
def city_dashboard(
    request: Request, session: SessionDep, city: CityBySlug, user: OptionalUser
) -> Response:
    board = service.city_dashboard(session, city, include_unpublished=is_planner(user, city))
    english = request.state.locale == "en" if hasattr(request.state, "locale") else False
    context: dict[str, Any] = {
        "city": city,
        "board": board,
        "status_chart": _status_chart(board.status_counts),
        "budget_chart": charts.bar_chart(
            _("Budget planned and spent (baht)"),
            [(_("Planned"), board.budget_planned), (_("Spent"), board.budget_spent)],
            unit=_("baht"),
            empty_text=_("No budget recorded yet."),
        ),
        "indicator_charts": {
            r.indicator.id: _indicator_chart(r, english) for r in board.indicators
        },
    }
    return render(request, "dashboards/city.html", context)


@router.get("/{slug}/{table}.csv")
def city_data(session: SessionDep, city: CityBySlug, table: str, user: OptionalUser) -> Response:
    if table not in CITY_TABLES:
        raise NotFound(_("There is no such table."))
    board = service.city_dashboard(session, city, include_unpublished=is_planner(user, city))
    header: list[str]
    rows: list[list[object]]
    if table == "status":
        header = ["status", "items"]
        rows = [[s, n] for s, n in board.status_counts.items()]
    elif table == "budget":
        header = ["budget_planned", "budget_spent"]
        rows = [[board.budget_planned, board.budget_spent]]
    elif table == "items":
        header = [
            "priority",
            "title",
            "agency",
            "status",
            "percent_complete",
            "budget_planned",
            "budget_spent",
            "latest_period",
            "overdue_periods",
            "from_participation",
        ]
        rows = [
            [
                r.item.priority,
                r.item.title,
                r.agency,
                r.status,
                r.percent,
                r.item.budget_planned,
                r.budget_spent,
                r.latest_period,
                " ".join(p.key for p in r.overdue),
                "yes" if r.from_participation else "no",
            ]
            for r in board.items
        ]
    else:
        header = ["indicator", "unit", "direction", "baseline", "target", "period", "value"]
        rows = [
            [
                r.indicator.name_th,
                r.indicator.unit,
                r.indicator.direction,
                r.indicator.baseline_value,
                r.indicator.target_value,
                p.key,
                v,
            ]
            for r in board.indicators
            for p, v in r.series
        ]
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{city.slug}-{table}.csv"'},
    )

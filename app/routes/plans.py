"""The planner's view of each city's draft plan, and the export of prioritized proposals."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.deps import Planner
from app.domain.errors import NotFound
from app.domain.export import to_csv
from app.i18n import gettext as _
from app.models import City
from app.services import cities as city_service
from app.services import plans as plan_service
from app.templating import render

router = APIRouter(prefix="/staff/plans", include_in_schema=False)


def _city(session: SessionDep, slug: str) -> City:
    city = city_service.by_slug(session, slug)
    if city is None:
        raise NotFound(_("There is no city with this identifier."))
    return city


@router.get("")
def plans_overview(request: Request, session: SessionDep, user: Planner) -> Response:
    return render(request, "plans/index.html", {"plans": plan_service.plans_overview(session)})


@router.get("/{slug}")
def plan_page(slug: str, request: Request, session: SessionDep, user: Planner) -> Response:
    city = _city(session, slug)
    context = {
        "city": city,
        "plan": plan_service.draft_plan(session, city),
        "priorities": plan_service.prioritized(session, city),
    }
    return render(request, "plans/plan.html", context)


@router.get("/{slug}/prioritized.csv")
def export_prioritized(slug: str, session: SessionDep, user: Planner) -> Response:
    city = _city(session, slug)
    header, rows = plan_service.export_rows(plan_service.prioritized(session, city))
    filename = f"{city.slug}-prioritized-proposals.csv"
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

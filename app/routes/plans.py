"""The planner's view of each city's draft plan, and the export of prioritized proposals."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.deps import PlannedCity, Planner
from app.domain.export import to_csv
from app.services import plans as plan_service
from app.templating import render

router = APIRouter(prefix="/staff/plans", include_in_schema=False)


@router.get("")
def plans_overview(request: Request, session: SessionDep, user: Planner) -> Response:
    return render(
        request, "plans/index.html", {"plans": plan_service.plans_overview(session, user)}
    )


@router.get("/{slug}")
def plan_page(request: Request, session: SessionDep, city: PlannedCity) -> Response:
    context = {
        "city": city,
        "plan": plan_service.draft_plan(session, city),
        "priorities": plan_service.prioritized(session, city),
    }
    return render(request, "plans/plan.html", context)


@router.get("/{slug}/prioritized.csv")
def export_prioritized(session: SessionDep, city: PlannedCity) -> Response:
    header, rows = plan_service.export_rows(plan_service.prioritized(session, city))
    filename = f"{city.slug}-prioritized-proposals.csv"
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

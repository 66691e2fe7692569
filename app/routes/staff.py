"""The staff home page."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.deps import AnyStaff
from app.models import Role
from app.services import plans as plan_service
from app.services import workshops as workshop_service
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/staff")
def dashboard(request: Request, session: SessionDep, user: AnyStaff) -> Response:
    runs_workshops = user.role in (Role.admin, Role.facilitator)
    plans_visible = user.role in (Role.admin, Role.planner)
    return render(
        request,
        "staff/dashboard.html",
        {
            "workshops": workshop_service.workshops_for_user(session, user)
            if runs_workshops
            else [],
            "plans": plan_service.plans_overview(session, user) if plans_visible else [],
            "runs_workshops": runs_workshops,
            "plans_visible": plans_visible,
            "sees_erasures": user.role != Role.agency,
        },
    )

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.db import DatabaseProbe

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and uptime checks. No session and
    no page dependencies: the database is asked through the app's probe (app.db.DatabaseProbe)."""
    probe: DatabaseProbe = request.app.state.db_probe
    if not await probe.answers():
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})

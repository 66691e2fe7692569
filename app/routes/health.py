import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.db import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability, for load balancers and uptime checks."""
    if not await anyio.to_thread.run_sync(_database_answers, session):
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def _database_answers(session: Session) -> bool:
    """One round trip, and the transaction ended in the same thread hop."""
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        session.rollback()
    except SQLAlchemyError:
        return False
    return True

"""Application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.engine import make_url
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app import errors
from app.config import BACKGROUND_CONNECTIONS, Settings, get_settings
from app.db import (
    DatabaseProbe,
    PoolWarmer,
    SessionSlots,
    WriteGate,
    make_engine,
)
from app.deps import current_user, ids_in_range
from app.live import LiveHub
from app.middleware import (
    BodyLimit,
    CleanIncomingText,
    CompressionMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from app.purger import RetentionPurger
from app.routes import (
    api,
    auth,
    board,
    board_api,
    dashboards,
    forms,
    health,
    monitoring,
    participate,
    plans,
    presence,
    privacy,
    public,
    rounds,
    staff,
    streams,
    themes,
    voting,
    workshops,
)
from app.routes.streams import FragmentCache
from app.security import csrf_protect
from app.services.login_throttle import LoginThrottle
from app.services.themes import ThreadRunner
from app.settler import RoundSettler
from app.static_files import STATIC_DIR, VersionedStaticFiles

# The collector's young generation is collected after 50,000 net allocations instead of 700: a
# page that builds tens of thousands of objects (a 500-item plan) otherwise pays for dozens of
# collections, and the older generations for their scans of everything still alive. Measured
# with bench/plan_record.py, SQLite, same run: staff page p95 87 -> 56 ms, public 99 -> 60 ms.
GC_THRESHOLDS = (50_000, 20, 20)
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
MAX_FORM_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # five 5 MB evidence files, or one sheet, and the form


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(
        settings.database_url, echo=settings.sql_echo, pool_size=settings.pool_size
    )

    hub = LiveHub(engine)
    settler = RoundSettler(engine)
    purger = RetentionPurger(engine)
    theme_runner = ThreadRunner(engine)
    is_sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    warmer = PoolWarmer(engine, settings.pool_size if settings.db_pool_warm else 0)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not is_sqlite:  # opening a SQLite connection costs a file open, not a process
            warmer.start()
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        hub.start()
        settler.start()
        purger.start()
        # Everything imported so far (scikit-learn, Babel, the templates...) lives as long as
        # the process: keep it out of the collector's full passes, which otherwise stall a
        # request now and then for 100-200 ms (measured with bench/dashboard_load.py).
        if not gc.get_freeze_count():  # once per process (tests create many apps)
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
        yield
        await hub.stop()
        await settler.stop()
        await purger.stop()
        theme_runner.shutdown()
        warmer.stop()
        engine.dispose()

    app = FastAPI(
        title="Mueang Ruam Kit API",
        version="1",
        description="Participatory planning for Thai municipalities. Public JSON endpoints.",
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
        telemetry=None if settings.telemetry else TELEMETRY_OFF,
    )
    app.state.settings = settings
    app.state.engine = engine
    # Writing requests take SQLite's write lock at BEGIN (see app/db.get_session); made once,
    # since an options engine per request showed in profiles.
    app.state.write_engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    # PostgreSQL: handlers marked one_statement write in a single atomic statement, without
    # BEGIN/COMMIT round trips (see app/db.one_statement); SQLite ignores the mark.
    app.state.autocommit_engine = (
        app.state.write_engine
        if is_sqlite
        else engine.execution_options(isolation_level="AUTOCOMMIT")
    )
    app.state.session_slots = SessionSlots(settings.pool_size - BACKGROUND_CONNECTIONS)
    app.state.pool_warmer = warmer
    app.state.db_probe = DatabaseProbe.on(engine)
    if is_sqlite:
        app.state.write_gate = WriteGate()  # see app/db.py
    app.state.hub = hub
    app.state.settler = settler
    app.state.purger = purger
    app.state.theme_runner = theme_runner
    app.state.fragments = FragmentCache()
    app.state.login_throttle = LoginThrottle(settings.login_limit_storage, settings.secret_key)

    # Phones on patchy mobile data: a 100 KB wall compresses to a tenth. Event streams are not
    # compressed (GZipMiddleware skips text/event-stream), so they still flush at once.
    app.add_middleware(CleanIncomingText)  # innermost: sees bodies BodyLimit has bounded
    app.add_middleware(BodyLimit, form_bytes=MAX_FORM_BYTES, upload_bytes=MAX_UPLOAD_BYTES)
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(LocaleMiddleware, secure=settings.cookie_secure)
    https = (settings.public_url or "").startswith("https://")
    app.add_middleware(SecurityHeadersMiddleware, https=https)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="mrk_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    # Outermost: a forged Host never reaches a page that builds links.
    app.add_middleware(
        TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts(), www_redirect=False
    )
    errors.install(app)
    forms.install(app)
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    # Every page and API route checks path ids, CSRF and who is logged in; the liveness check
    # a load balancer polls needs none of it.
    app.include_router(health.router)
    every_page = [Depends(ids_in_range), Depends(csrf_protect), Depends(current_user)]
    # FastAPI tries routes in this order, about 2 us each (it keeps included routers nested):
    # the phones' paths in a full hall come first, so a ballot is found after a few routes
    # rather than 53. No path can reach two routes (tests/routes/test_routing.py), so the
    # order changes no answer.
    routers = (
        voting,
        participate,
        streams,
        presence,
        public,
        auth,
        privacy,
        board,
        staff,
        workshops,
        rounds,
        themes,
        plans,
        monitoring,
        dashboards,
        api,
        board_api,
    )
    for module in routers:
        app.include_router(module.router, dependencies=every_page)
    return app

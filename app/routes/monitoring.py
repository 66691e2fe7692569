"""Monitoring for staff: planners set up items, agencies and indicators and publish reports;
agencies report progress on their own items, with photos or PDFs as evidence."""

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from app.db import SessionDep
from app.deps import AnyStaff, OptionalUser, PlannedCity, Planner
from app.domain import monitoring as rules
from app.domain import sheet_import
from app.domain.bounds import MAX_ID
from app.domain.errors import NotFound, UserError
from app.domain.indicator_library import LIBRARY
from app.domain.monitoring import ItemStatus
from app.i18n import gettext as _
from app.models import City, PlanItem, PlanStatus, Role, StaffAccount
from app.routes.forms import local_path, refused_form, whole_number
from app.services import access, report_import
from app.services import cities as city_service
from app.services import monitoring as service
from app.services import plan_record as record
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


async def upload_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form with its files (app.middleware.BodyLimit has capped its size); the spooled
    files are closed when the request is done."""
    form = await request.form(max_files=10, max_fields=200)
    try:
        yield form
    finally:
        await form.close()


UploadForm = Annotated[FormData, Depends(upload_form)]


async def evidence_uploads(form: UploadForm) -> list[service.Upload]:
    """The evidence files, read here (async) so the handler stays off the event loop.

    One byte past the limit is read, so the service can say "too large" without reading more.
    """
    uploads = []
    for value in form.getlist("evidence"):
        if isinstance(value, UploadFile) and value.filename:
            data = await value.read(5 * 1024 * 1024 + 1)
            uploads.append(service.Upload(value.filename, data))
    return uploads


EvidenceUploads = Annotated[list[service.Upload], Depends(evidence_uploads)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _parse(form: FormData, name: str, parse: Any, label: str) -> Any:
    """Parse an optional field with a domain parser; a bad value names the field."""
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return parse(raw)
    except rules.MonitoringValueError as error:
        problem = report_import.row_message(error.code, error.params)
        raise UserError(
            _("%(field)s: “%(value)s” is %(problem)s.")
            % {"field": label, "value": raw[:40], "problem": problem},
            status_code=422,
        ) from error
    except ValueError as error:
        raise UserError(
            _("%(field)s: “%(value)s” is not valid.") % {"field": label, "value": raw[:40]},
            status_code=422,
        ) from error


FISCAL_YEARS = {"low": rules.MIN_FISCAL_YEAR, "high": rules.MAX_FISCAL_YEAR}  # Buddhist Era


def _int(form: FormData, name: str, label: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    return whole_number(_text(form, name), label, low=low, high=high)


# --- overview ---------------------------------------------------------------------------------


@router.get("/staff/monitoring")
def monitoring_home(request: Request, session: SessionDep, user: AnyStaff) -> Response:
    """Planners pick a city; an agency sees its own items, with what is due."""
    context: dict[str, Any] = {"cities": [], "agency_items": []}
    if user.role == Role.agency:
        if user.agency_id is not None:
            items = service.items_of_agency(session, user.agency_id)
            if items:
                city = service.city_of_item(session, items[0])
                board = service.city_dashboard(session, city, include_unpublished=True)
                mine = {i.id for i in items}
                context["agency_items"] = [r for r in board.items if r.item.id in mine]
    elif user.role in (Role.planner, Role.admin):
        context["cities"] = [
            c for c in city_service.list_cities(session) if access.is_planner(user, c)
        ]
    return render(request, "monitoring/index.html", context)


@router.get("/staff/monitoring/{slug}")
def city_monitoring(request: Request, session: SessionDep, city: PlannedCity) -> Response:
    context = {
        "city": city,
        "board": service.city_dashboard(session, city, include_unpublished=True),
        "agencies": service.agencies_of_city(session, city),
        "pending": service.pending_reports(session, city),
        "library": [e for e in LIBRARY],
        "adopted": {i.library_key for i in service.indicators_of_city(session, city)},
        "current_period": rules.Period.containing(date.today()),
    }
    return render(request, "monitoring/city.html", context)


@router.post("/staff/monitoring/{slug}/agencies")
def add_agency(
    session: SessionDep, city: PlannedCity, name: Annotated[str, Form()] = ""
) -> Response:
    service.add_agency(session, city, name)
    session.commit()
    return RedirectResponse(f"/staff/monitoring/{city.slug}#agencies", status_code=303)


# --- plan items and reports --------------------------------------------------------------------


def _item_context(session: Session, item: PlanItem, user: StaffAccount) -> dict[str, Any]:
    city = service.city_of_item(session, item)
    reports = service.reports_of_item(session, item)
    return {
        "item": item,
        "city": city,
        "reports": reports,
        "evidence": service.evidence_of(session, [r.id or 0 for r in reports]),
        "agencies": service.agencies_of_city(session, city),
        "is_planner": access.is_planner(user, city),
        # The plan's text changes only in a draft; the progress status always.
        "plan_editable": service.plan_of_item(session, item).status == PlanStatus.draft,
        "item_error": None,
        "stale": None,
        "can_report": access.can_report(user, item, city),
        "statuses": list(ItemStatus),
        "indicators": service.indicators_of_item(session, item),
        "current_period": rules.Period.containing(date.today()),
        "error": None,
        "form": {},
    }


@router.get("/staff/monitoring/items/{item_id}")
def item_page(request: Request, session: SessionDep, item_id: int, user: AnyStaff) -> Response:
    item = service.get_item(session, item_id)
    context = _item_context(session, item, user)
    if not (context["is_planner"] or context["can_report"]):
        raise UserError(
            _("Only the agency responsible for this item, or a planner, can report on it."),
            status_code=403,
        )
    return render(request, "monitoring/item.html", context)


def _monitoring_edit(form: FormData) -> record.MonitoringEdit:
    """The item form, parsed; fields the form leaves out (read-only once adopted) are not
    in `values`, so they keep their value."""
    values: dict[str, Any] = {
        "dimension": _text(form, "dimension")[:40],
        "agency_id": _int(form, "agency_id", _("Agency")),
        "budget_planned": _parse(form, "budget_planned", rules.parse_money, _("Planned budget")),
        "fiscal_year_start": _int(
            form, "fiscal_year_start", _("First fiscal year"), **FISCAL_YEARS
        ),
        "fiscal_year_end": _int(form, "fiscal_year_end", _("Last fiscal year"), **FISCAL_YEARS),
        "status": _text(form, "status") or None,
    }
    kept = {k: v for k, v in values.items() if k in form}
    revision = whole_number(_text(form, "revision"), _("Revision"), low=1, high=10**9)
    return record.MonitoringEdit(revision=revision or 0, reason=_text(form, "reason"), values=kept)


@router.post("/staff/monitoring/items/{item_id}")
def update_item(
    request: Request, session: SessionDep, item_id: int, user: Planner, form: UploadForm
) -> Response:
    item = service.get_item(session, item_id)
    city = service.city_of_item(session, item)
    access.ensure_planner(user, city)

    def page(error: UserError) -> Response:
        context = _item_context(session, item, user)
        context["item_error"] = error.message
        if isinstance(error, record.StaleEdit):
            context["stale"] = error.changes
        return render(request, "monitoring/item.html", context)

    with refused_form(session, page):
        record.save_monitoring(session, city, item, _monitoring_edit(form), user)
    session.commit()
    flash(request, _("The plan item is saved."))
    return RedirectResponse(f"/staff/monitoring/items/{item_id}", status_code=303)


def _indicator_values(session: Session, item: PlanItem, form: FormData) -> dict[int, float]:
    """Fields "indicator-<id>", each checked in the indicator's own unit."""
    values: dict[int, float] = {}
    for indicator in service.indicators_of_item(session, item):
        value = _parse(
            form,
            f"indicator-{indicator.id}",
            lambda text, unit=indicator.unit: rules.parse_number(text, unit or None),
            indicator.name_th,
        )
        if value is not None:
            values[indicator.id or 0] = value
    return values


@router.post("/staff/monitoring/items/{item_id}/reports")
def file_report(
    request: Request,
    session: SessionDep,
    item_id: int,
    user: AnyStaff,
    form: UploadForm,
    uploads: EvidenceUploads,
) -> Response:
    item = service.get_item(session, item_id)

    def page(error: UserError) -> Response:
        context = _item_context(session, item, user)
        context["error"] = error.message
        context["form"] = {k: v for k, v in form.items() if isinstance(v, str)}
        return render(request, "monitoring/item.html", context)

    with refused_form(session, page):
        fields = service.ReportFields(
            period=_parse(form, "period", rules.parse_period, _("Period"))
            or rules.Period.containing(date.today()),
            status=_text(form, "status"),
            percent=_parse(form, "percent", rules.parse_percent, _("Percent complete")),
            budget_spent=_parse(form, "budget_spent", rules.parse_money, _("Budget spent")),
            narrative=_text(form, "narrative"),
            indicator_values=_indicator_values(session, item, form),
        )
        service.file_report(session, item, fields, user, uploads)
    session.commit()
    flash(request, _("The report is saved. A planner publishes it after review."))
    return RedirectResponse(f"/staff/monitoring/items/{item_id}#reports", status_code=303)


@router.post("/staff/monitoring/reports/{report_id}/publish")
def publish_report(
    request: Request,
    session: SessionDep,
    report_id: int,
    user: Planner,
    next: Annotated[str, Form()] = "",
) -> Response:
    """Back to the page the planner published from (`next`, a path on this site only; the
    Referer header is not trusted), else the item's page."""
    report = service.get_report(session, report_id)
    service.publish_report(session, report, user)
    session.commit()
    flash(request, _("The report is published on the public dashboard."))
    target = local_path(next, f"/staff/monitoring/items/{report.plan_item_id}")
    return RedirectResponse(target, status_code=303)


# --- indicators ---------------------------------------------------------------------------------


@router.post("/staff/monitoring/{slug}/indicators")
def add_indicator(session: SessionDep, city: PlannedCity, form: UploadForm) -> Response:
    fields = service.IndicatorFields(
        name_th=_text(form, "name_th"),
        name_en=_text(form, "name_en"),
        unit=_text(form, "unit"),
        direction=_text(form, "direction") or "higher",
        dimension=_text(form, "dimension"),
        baseline_value=_parse(form, "baseline_value", rules.parse_number, _("Baseline")),
        baseline_date=_parse(form, "baseline_date", rules.parse_date, _("Baseline date")),
        target_value=_parse(form, "target_value", rules.parse_number, _("Target")),
        target_date=_parse(form, "target_date", rules.parse_date, _("Target date")),
        data_source=_text(form, "data_source"),
        plan_item_id=_int(form, "plan_item_id", _("Plan item")),
    )
    service.add_indicator(session, city, fields)
    session.commit()
    return RedirectResponse(f"/staff/monitoring/{city.slug}#indicators", status_code=303)


@router.post("/staff/monitoring/{slug}/indicators/adopt")
def adopt_indicator(
    session: SessionDep, city: PlannedCity, key: Annotated[str, Form()] = ""
) -> Response:
    service.adopt_indicator(session, city, key)
    session.commit()
    return RedirectResponse(f"/staff/monitoring/{city.slug}#indicators", status_code=303)


def _indicator_city(session: Session, indicator_id: int, user: StaffAccount) -> tuple[Any, City]:
    indicator = service.get_indicator(session, indicator_id)
    city = session.get(City, indicator.city_id)
    if city is None:  # pragma: no cover - foreign key
        raise NotFound(_("There is no city with this identifier."))
    access.ensure_planner(user, city)
    return indicator, city


@router.post("/staff/monitoring/indicators/{indicator_id}/target")
def set_target(session: SessionDep, indicator_id: int, user: Planner, form: UploadForm) -> Response:
    indicator, city = _indicator_city(session, indicator_id, user)
    service.set_baseline_target(
        session,
        indicator,
        baseline_value=_parse(form, "baseline_value", rules.parse_number, _("Baseline")),
        baseline_date=_parse(form, "baseline_date", rules.parse_date, _("Baseline date")),
        target_value=_parse(form, "target_value", rules.parse_number, _("Target")),
        target_date=_parse(form, "target_date", rules.parse_date, _("Target date")),
    )
    session.commit()
    return RedirectResponse(
        f"/staff/monitoring/{city.slug}#indicator-{indicator_id}", status_code=303
    )


@router.post("/staff/monitoring/indicators/{indicator_id}/values")
def record_value(
    session: SessionDep, indicator_id: int, user: Planner, form: UploadForm
) -> Response:
    indicator, city = _indicator_city(session, indicator_id, user)
    period = _parse(form, "period", rules.parse_period, _("Period"))
    value = _parse(
        form, "value", lambda t: rules.parse_number(t, indicator.unit or None), _("Value")
    )
    if period is None or value is None:
        raise UserError(_("Enter the period and the value."), status_code=422)
    service.record_value(
        session, indicator, period, value, user, publish=form.get("publish") == "1"
    )
    session.commit()
    return RedirectResponse(
        f"/staff/monitoring/{city.slug}#indicator-{indicator_id}", status_code=303
    )


# --- evidence -------------------------------------------------------------------------------------


@router.get("/evidence/{file_id}")
def evidence(session: SessionDep, file_id: int, user: OptionalUser) -> Response:
    row = service.evidence_file(session, file_id, user)
    # Photos show inline; a PDF is only known to be a PDF, not to be harmless, so it is a
    # download, and the response may run nothing in our origin either way.
    disposition = "inline" if row.media_type.startswith("image/") else "attachment"
    return Response(
        row.data,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{row.filename}"',
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
            "Cache-Control": "private, max-age=3600",
        },
    )


# --- spreadsheet import --------------------------------------------------------------------------


async def sheet_file(form: UploadForm) -> tuple[str, bytes] | None:
    value = form.get("file")
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return value.filename, await value.read(sheet_import.MAX_BYTES + 1)


SheetFile = Annotated[tuple[str, bytes] | None, Depends(sheet_file)]


def _import_page(
    request: Request,
    city: City,
    *,
    upload_id: int | None = None,
    result: report_import.Preview | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "city": city,
        "upload_id": upload_id,
        "preview": result,
        "fields": report_import.FIELDS,
        "required": report_import.REQUIRED,
        "error": error,
    }
    return render(request, "monitoring/import.html", context, status_code=status_code)


@router.get("/staff/monitoring/{slug}/import")
def import_form(request: Request, city: PlannedCity) -> Response:
    return _import_page(request, city)


@router.post("/staff/monitoring/{slug}/import")
def upload_sheet(
    request: Request, session: SessionDep, user: Planner, city: PlannedCity, file: SheetFile
) -> Response:
    """Keep the file and show what would be imported; nothing else is written yet."""
    if file is None:
        return _import_page(request, city, error=_("Choose a CSV or Excel file."), status_code=422)
    filename, data = file
    with refused_form(session, lambda e: _import_page(request, city, error=e.message)):
        upload = report_import.store_upload(session, city, filename, data, user)
    result = report_import.preview(session, city, upload)
    session.commit()
    return _import_page(request, city, upload_id=upload.id, result=result)


@router.post("/staff/monitoring/{slug}/import/{upload_id}")
def confirm_import(
    request: Request,
    session: SessionDep,
    upload_id: int,
    user: Planner,
    city: PlannedCity,
    form: UploadForm,
) -> Response:
    upload = report_import.get_upload(session, city, upload_id)
    mapping = {f: (_text(form, f"map-{f}") or None) for f in report_import.FIELDS}
    if form.get("action") != "import":
        result = report_import.preview(session, city, upload, mapping)
        return _import_page(request, city, upload_id=upload_id, result=result)

    def page(error: UserError) -> Response:
        stored = report_import.get_upload(session, city, upload_id)
        result = report_import.preview(session, city, stored, mapping)
        return _import_page(request, city, upload_id=upload_id, result=result, error=error.message)

    with refused_form(session, page):
        count = report_import.import_reports(session, city, upload, mapping, user)
    session.commit()
    flash(request, _("%(num)s reports imported. Publish them after review.") % {"num": count})
    return RedirectResponse(f"/staff/monitoring/{city.slug}#pending", status_code=303)

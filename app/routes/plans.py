"""The plan record for staff: the city's plan with its versions, items, provenance and
history; agreeing priorities from a closed vote; ordering; moving a version on; diffs; the
exports planners hand in. Agencies read the record; only planners change it."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from app import labels
from app.db import SessionDep
from app.deps import AnyStaff, FormFields, PlannedCity, Planner, PlanReaderCity
from app.domain import plan_documents as documents
from app.domain import plan_record as rules
from app.domain.bounds import MAX_ID
from app.domain.errors import NotFound, UserError
from app.domain.export import iter_csv, local_iso, to_csv
from app.i18n import THAI_TZ, format_datetime, get_locale
from app.i18n import gettext as _
from app.models import City, Plan, PlanItem, PlanVersion, RoundStatus, StaffAccount, utcnow
from app.routes.forms import refused_form, whole_number
from app.services import access, voting
from app.services import monitoring as monitoring_service
from app.services import plan_consultation as consultation
from app.services import plan_record as record
from app.services import plans as plan_service
from app.templating import flash, render

router = APIRouter(prefix="/staff/plans", include_in_schema=False)

FISCAL = {"low": 2500, "high": 2700}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _plan(session: SessionDep, city: City) -> Plan:
    plan = record.city_plan(session, city)
    if plan is None:
        raise NotFound(_("This city has no plan yet. Agree priorities from a closed vote first."))
    return plan


@router.get("")
def plans_overview(request: Request, session: SessionDep, user: Planner) -> Response:
    return render(
        request, "plans/index.html", {"plans": plan_service.plans_overview(session, user)}
    )


def _plan_context(
    session: SessionDep, city: City, user: StaffAccount, plan: Plan | None
) -> dict[str, object]:
    items = record.item_lines(session, plan) if plan else []
    versions = record.versions(session, plan) if plan else []
    return {
        "city": city,
        "plan": plan,
        "can_edit": access.is_planner(user, city),
        "editable": plan is not None and plan.status == "draft",
        "version": versions[-1] if versions else None,  # the current one
        "versions": versions,
        "moves": record.version_moves(session, plan) if plan else [],
        "items": items,
        "agencies": {a.id: a.name for a in monitoring_service.agencies_of_city(session, city)},
        "chains": record.provenance(session, items),
        "issues": record.issues_with_goals(session, plan) if plan else [],
        # Planners run the city's board, so they moderate; agencies only read.
        "consultation": consultation.comments_for_planner(session, plan) if plan else [],
        "moderates": access.is_planner(user, city),
    }


def _refused(
    request: Request,
    session: SessionDep,
    city: City,
    user: StaffAccount,
    plan: Plan,
    error_key: str,
    **kept: object,
) -> Callable[[UserError], Response]:
    """The plan page again for a refused form: the message beside that form (`error_key`),
    and what was typed in it (`kept`)."""

    def page(error: UserError) -> Response:
        context = _plan_context(session, city, user, plan) | kept
        context[error_key] = error.message
        return render(request, "plans/plan.html", context)

    return page


@router.get("/{slug}")
def plan_page(
    request: Request, session: SessionDep, city: PlanReaderCity, user: AnyStaff
) -> Response:
    plan = record.city_plan(session, city)
    return render(request, "plans/plan.html", _plan_context(session, city, user, plan))


@router.post("/{slug}/move")
def move_version(
    request: Request, session: SessionDep, city: PlannedCity, user: Planner, form: FormFields
) -> Response:
    plan = _plan(session, city)
    page = _refused(request, session, city, user, plan, "move_error", note=_text(form, "note"))
    with refused_form(session, page):
        version = record.move(session, plan, _text(form, "state"), _text(form, "note"), user)
    session.commit()
    flash(request, _("Version %(num)s is saved in its new state.") % {"num": version.number})
    return RedirectResponse(f"/staff/plans/{city.slug}#versions", status_code=303)


@router.post("/{slug}/order")
def order_items(
    request: Request, session: SessionDep, city: PlannedCity, user: Planner, form: FormFields
) -> Response:
    plan = _plan(session, city)
    with refused_form(session, _refused(request, session, city, user, plan, "order_error")):
        requested: dict[int, int] = {}
        for item in record.live_items(session, plan):
            typed = whole_number(
                _text(form, f"position-{item.id}"), _("Priority"), low=1, high=10_000
            )
            if typed is not None and typed != item.priority:
                requested[item.id or 0] = typed
        record.reorder(session, plan, requested, user)
    session.commit()
    flash(request, _("The order of the plan is saved."))
    return RedirectResponse(f"/staff/plans/{city.slug}#items", status_code=303)


# The buttons beside each strategic issue and goal (one form each, no JavaScript needed).
OUTLINE_CHANGES: dict[str, Callable[[Session, Plan, int, StaffAccount], None]] = {
    "issue-up": lambda s, plan, row, _user: record.move_issue(s, plan, row, -1),
    "issue-down": lambda s, plan, row, _user: record.move_issue(s, plan, row, 1),
    "issue-remove": record.remove_issue,
    "goal-up": lambda s, plan, row, _user: record.move_goal(s, plan, row, -1),
    "goal-down": lambda s, plan, row, _user: record.move_goal(s, plan, row, 1),
    "goal-remove": record.remove_goal,
}


@router.post("/{slug}/outline")
def save_outline(
    request: Request, session: SessionDep, city: PlannedCity, user: Planner, form: FormFields
) -> Response:
    plan = _plan(session, city)
    with refused_form(session, _refused(request, session, city, user, plan, "outline_error")):
        kind = _text(form, "part")
        if kind == "issue":
            record.add_issue(session, plan, _text(form, "dimension"), _text(form, "title"))
        elif kind == "goal":
            issue_id = whole_number(_text(form, "issue_id"), _("Strategic issues"), high=MAX_ID)
            record.add_goal(session, plan, issue_id or 0, _text(form, "title"))
        elif kind in OUTLINE_CHANGES:
            label = _("Goal") if kind.startswith("goal") else _("Strategic issues")
            row_id = whole_number(_text(form, "id"), label, high=MAX_ID) or 0
            OUTLINE_CHANGES[kind](session, plan, row_id, user)
        else:
            record.save_outline(
                session,
                plan,
                title=_text(form, "title"),
                vision=_text(form, "vision"),
                first_year=whole_number(
                    _text(form, "first_year"), _("First fiscal year"), **FISCAL
                ),
                last_year=whole_number(_text(form, "last_year"), _("Last fiscal year"), **FISCAL),
            )
    session.commit()
    flash(request, _("The plan is saved."))
    return RedirectResponse(f"/staff/plans/{city.slug}#outline", status_code=303)


# --- one item ------------------------------------------------------------------------------------


def _item_context(
    session: SessionDep, city: City, user: StaffAccount, plan: Plan, item: PlanItem
) -> dict[str, object]:
    return {
        "city": city,
        "plan": plan,
        "item": item,
        "can_edit": access.is_planner(user, city),
        "editable": plan.status == "draft",
        "agencies": monitoring_service.agencies_of_city(session, city),
        "issues": record.issues_with_goals(session, plan),
        "history": record.history(session, item),
        "chain": record.provenance(session, [item]).get(item.id or 0),
        "form": {},
    }


@router.get("/{slug}/items/{item_id}")
def item_page(
    request: Request,
    session: SessionDep,
    city: PlanReaderCity,
    user: AnyStaff,
    item_id: int,
) -> Response:
    plan = _plan(session, city)
    item = record.get_item(session, plan, item_id)
    return render(request, "plans/item.html", _item_context(session, city, user, plan, item))


def _optional_id(form: FormData, name: str, label: str) -> int | None:
    return whole_number(_text(form, name), label, low=1, high=MAX_ID)


def _edit(form: FormData) -> record.ItemEdit:
    try:
        budget = rules.parse_budget(_text(form, "budget_planned"))
    except rules.BudgetUnreadable:
        raise UserError(
            _(
                "The budget “%(value)s” cannot be read. Write whole baht, such as 1,500,000 "
                "or 1.5 ล้าน."
            )
            % {"value": _text(form, "budget_planned")},
            status_code=422,
        ) from None
    revision = whole_number(_text(form, "revision"), _("Revision"), low=1, high=10**9)
    return record.ItemEdit(
        revision=revision or 0,
        reason=_text(form, "reason"),
        title=_text(form, "title"),
        description=_text(form, "description"),
        place=_text(form, "place") or None,
        dimension=_text(form, "dimension")[:40],
        goal_id=_optional_id(form, "goal_id", _("Goal")),
        agency_id=_optional_id(form, "agency_id", _("Agency")),
        budget_planned=budget,
        funding_source=_text(form, "funding_source")[:200] or None,
        fiscal_year_start=whole_number(
            _text(form, "fiscal_year_start"), _("First fiscal year"), **FISCAL
        ),
        fiscal_year_end=whole_number(
            _text(form, "fiscal_year_end"), _("Last fiscal year"), **FISCAL
        ),
    )


@router.post("/{slug}/items/{item_id}")
def save_item(
    request: Request,
    session: SessionDep,
    city: PlannedCity,
    user: Planner,
    form: FormFields,
    item_id: int,
) -> Response:
    plan = _plan(session, city)
    item = record.get_item(session, plan, item_id)

    def page(error: UserError) -> Response:
        context = _item_context(session, city, user, plan, item)
        context["error"] = error.message
        # What the planner typed comes back into the form: nothing is lost.
        context["form"] = {k: v for k, v in form.items() if isinstance(v, str)}
        if isinstance(error, record.StaleEdit):
            context["stale"] = error.changes
        return render(request, "plans/item.html", context)

    with refused_form(session, page):
        record.save_item(session, city, plan, item, _edit(form), user)
    session.commit()
    flash(request, _("The plan item is saved."))
    return RedirectResponse(f"/staff/plans/{city.slug}/items/{item_id}", status_code=303)


# --- agreeing priorities from a closed vote ----------------------------------------------------


def _agree_context(session: SessionDep, city: City, round_id: int | None) -> dict[str, object]:
    rounds = [r for r in voting.rounds_of_city(session, city) if r.status == RoundStatus.closed]
    chosen = next((r for r in rounds if r.id == round_id), None)
    plan = record.city_plan(session, city)
    context: dict[str, object] = {
        "city": city,
        "rounds": rounds,
        "round": chosen,
        "plan": plan,
        "items": record.live_items(session, plan) if plan else [],
        "form": {},
    }
    if chosen is not None:
        rule = voting.primary_rule(chosen)
        result = voting.results(session, chosen)
        entries = {e.proposal.id: e.proposal for e in voting.ballot_entries(session, chosen)}
        context["rule"] = rule
        context["ranking"] = [
            (row, entries.get(int(row.proposal_id))) for row in result.ranking(rule)
        ]
        context["support"] = {int(s.proposal_id): s for s in result.consensus}
    return context


@router.get("/{slug}/agree")
def agree_page(
    request: Request,
    session: SessionDep,
    city: PlannedCity,
    round_id: Annotated[int | None, Query(alias="round", ge=1, le=MAX_ID)] = None,
) -> Response:
    return render(request, "plans/agree.html", _agree_context(session, city, round_id))


@router.post("/{slug}/agree")
def agree(
    request: Request, session: SessionDep, city: PlannedCity, user: Planner, form: FormFields
) -> Response:
    round_id = whole_number(_text(form, "round_id"), _("Vote"), low=1, high=MAX_ID)

    def page(error: UserError) -> Response:
        context = _agree_context(session, city, round_id)
        context["error"] = error.message
        context["form"] = {k: v for k, v in form.items() if isinstance(v, str)}
        context["picked"] = {v for k, v in form.multi_items() if k == "proposal_id"}
        return render(request, "plans/agree.html", context)

    with refused_form(session, page):
        vote_round = voting.get_round(session, round_id or 0)
        if vote_round.city_id != city.id:
            raise NotFound(_("There is no vote with this number."))
        picks = []
        for raw in form.getlist("proposal_id"):
            pid = whole_number(
                raw if isinstance(raw, str) else "", _("Proposal"), low=1, high=MAX_ID
            )
            if pid is None:
                continue
            attach = _text(form, f"attach-{pid}")
            picks.append(
                plan_service.Pick(
                    pid,
                    _text(form, f"rationale-{pid}"),
                    whole_number(attach, _("Plan item"), low=1, high=MAX_ID) if attach else None,
                )
            )
        items = plan_service.agree_from_round(session, vote_round, picks, user)
    session.commit()
    flash(
        request, _("%(count)s agreed priorities added to the draft plan.") % {"count": len(items)}
    )
    return RedirectResponse(f"/staff/plans/{city.slug}#items", status_code=303)


# --- versions ------------------------------------------------------------------------------------


@router.get("/{slug}/diff")
def diff_page(
    request: Request,
    session: SessionDep,
    city: PlanReaderCity,
    old: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    new: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    plan = _plan(session, city)
    versions = record.versions(session, plan)
    context: dict[str, object] = {"city": city, "plan": plan, "versions": versions}
    if versions:
        old = old or (versions[-2].number if len(versions) > 1 else versions[-1].number)
        new = new or versions[-1].number
        context |= {"old": old, "new": new, "diff": record.diff(session, plan, old, new)}
    return render(request, "plans/diff.html", context)


@router.get("/{slug}/prioritized.csv")
def export_prioritized(session: SessionDep, city: PlannedCity) -> Response:
    header, rows = plan_service.export_rows(plan_service.prioritized(session, city))
    filename = f"{city.slug}-prioritized-proposals.csv"
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- exports -------------------------------------------------------------------------------------


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{slug}/proposals.csv")
def ranked_proposals_csv(session: SessionDep, city: PlanReaderCity) -> Response:
    groups, tables = plan_service.ranked_proposals(session, city)
    rows = (documents.ranked_row(r, groups) for r in plan_service.ranked_summary(tables))
    return StreamingResponse(
        iter_csv(documents.ranked_header(groups), rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{city.slug}-ranked-proposals.csv"'},
    )


@router.get("/{slug}/proposals.xlsx")
def ranked_proposals_xlsx(session: SessionDep, city: PlanReaderCity) -> Response:
    groups, tables = plan_service.ranked_proposals(session, city)
    header = documents.ranked_header(groups)
    sheets = [
        documents.Sheet(
            _("Ranked proposals"),
            header,
            (documents.ranked_row(r, groups) for r in plan_service.ranked_summary(tables)),
        )
    ] + [
        documents.Sheet(
            _("Vote %(id)s") % {"id": r.id} + (f" {r.question}" if r.question else ""),
            header,
            (documents.ranked_row(x, groups) for x in rows),
        )
        for r, rows in tables
    ]
    return _attachment(documents.workbook(sheets), XLSX, f"{city.slug}-ranked-proposals.xlsx")


@router.get("/{slug}/proposals.json")
def ranked_proposals_json(session: SessionDep, city: PlanReaderCity) -> Response:
    groups, tables = plan_service.ranked_proposals(session, city)
    body = {
        "city": city.slug,
        "groups": groups,
        "rounds": [
            {
                "round_id": r.id,
                "question": r.question,
                "method": str(r.method),
                "rule": voting.primary_rule(r),
                "closed_at_iso_local": local_iso(r.closed_at, THAI_TZ),
                "digest": r.digest,
                "ranking": [
                    dict(
                        zip(
                            documents.ranked_header(groups),
                            documents.ranked_row(x, groups),
                            strict=True,
                        )
                    )
                    for x in rows
                ],
            }
            for r, rows in tables
        ],
    }
    return JSONResponse(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{city.slug}-ranked-proposals.json"'
        },
    )


def _version_files(
    session: SessionDep, city: City, number: int
) -> tuple[Plan, PlanVersion, dict[str, Any], dict[int, str]]:
    plan = _plan(session, city)
    version = record.get_version(session, plan, number)
    content, summaries = record.version_document(session, plan, version)
    return plan, version, content, summaries


@router.get("/{slug}/versions/{number}.xlsx")
def version_xlsx(session: SessionDep, city: PlanReaderCity, number: int) -> Response:
    _plan_row, _version, content, summaries = _version_files(session, city, number)
    sheet = documents.Sheet(
        _("Plan items"),
        documents.PLAN_XLSX_HEADER,
        documents.plan_xlsx_rows(content, summaries),
        widths=(8, 40, 40, 20, 14, 24, 24, 14, 20, 10, 10, 14, 60),
    )
    return _attachment(documents.workbook([sheet]), XLSX, f"{city.slug}-plan-v{number}.xlsx")


@router.get("/{slug}/versions/{number}.pdf")
def version_pdf(session: SessionDep, city: PlanReaderCity, number: int) -> Response:
    plan, version, content, summaries = _version_files(session, city, number)
    city_name = city.name_th if get_locale() == "th" else city.name_en
    years = (
        _("fiscal years %(first)s–%(last)s")
        % {"first": plan.first_year, "last": plan.last_year or plan.first_year}
        if plan.first_year
        else ""
    )
    now = utcnow()
    text = documents.PlanDocumentText(
        title=_("Development plan") + " · " + city_name,
        subtitle=" · ".join(
            x
            for x in (
                plan.title,
                years,
                _("version %(num)s") % {"num": version.number},
                labels.plan_state(version.state),
            )
            if x
        ),
        dated=_("Printed %(date)s") % {"date": format_datetime(now)},
        vision_label=_("Vision"),
        issues_label=_("Strategic issues"),
        items_label=_("Plan items"),
        columns=(
            _("Priority"),
            _("Item"),
            _("Responsible agency"),
            _("Budget (baht)"),
            _("Fiscal years"),
            _("Where it came from"),
        ),
        no_items=_("No plan items yet."),
    )
    body = documents.plan_pdf(content, documents.plan_rows(content, summaries), text, now)
    return _attachment(body, "application/pdf", f"{city.slug}-plan-v{number}.pdf")

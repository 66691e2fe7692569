"""The plan record: a city's plans, their versions (draft → public consultation → adopted),
item edits with their history and optimistic concurrency, ordering, and version diffs.

A draft version's content is the plan's live rows (items, issues, goals, vision); moving a
version on freezes that content into its snapshot, and the live rows are read-only until a
new draft is started (a copy: the live rows are exactly what was frozen)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select as sa_select  # sqlmodel's select types at most 4 entities
from sqlalchemy import union_all
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select, update

from app.domain import agenda, plan_order
from app.domain import plan_record as rules
from app.domain.errors import Conflict, NotFound, UserError
from app.domain.monitoring import ItemStatus
from app.domain.voting import RULES, Method
from app.i18n import gettext as _
from app.models import (
    Agency,
    Channel,
    City,
    Idea,
    IdeaReaction,
    Participant,
    Plan,
    PlanGoal,
    PlanIssue,
    PlanItem,
    PlanItemChange,
    PlanItemSource,
    PlanStatus,
    PlanVersion,
    PlanVersionMove,
    Proposal,
    StaffAccount,
    Theme,
    ThemeMember,
    VoteRound,
    utcnow,
)
from app.models.plan import (
    PUBLISHED,
    LinkPublic,
    PlanIssuePublic,
    PlanItemPublic,
    PlanPublic,
    PlanVersionPublic,
    ProvenancePublic,
    ProvenanceStepPublic,
)
from app.services.sql import among, rows, table

# What may follow what; a new draft is a new version, the others move the current one.
MOVES = {
    PlanStatus.draft: (PlanStatus.consultation, PlanStatus.adopted),
    PlanStatus.consultation: (PlanStatus.adopted, PlanStatus.draft),
    PlanStatus.adopted: (PlanStatus.draft,),
}


def city_plan(session: Session, city: City) -> Plan | None:
    """The city's current plan: its draft if it has one, else its latest plan."""
    query = (
        select(Plan)
        .where(Plan.city_id == city.id)
        .order_by(col(Plan.status) != PlanStatus.draft, col(Plan.id).desc())
    )
    return session.exec(query).first()


def get_plan(session: Session, city: City, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or plan.city_id != city.id:
        raise NotFound(_("There is no such plan in this city."))
    return plan


def versions(session: Session, plan: Plan) -> list[PlanVersion]:
    """The plan's versions without their snapshots (loaded when read)."""
    query = (
        select(PlanVersion)
        .options(defer(PlanVersion.snapshot))  # type: ignore[arg-type]
        .where(PlanVersion.plan_id == plan.id)
    )
    return list(session.exec(query.order_by(col(PlanVersion.number))).all())


def current_version(session: Session, plan: Plan) -> PlanVersion | None:
    query = select(PlanVersion).where(PlanVersion.plan_id == plan.id)
    return session.exec(query.order_by(col(PlanVersion.number).desc())).first()


def published_versions(session: Session, plan: Plan) -> list[PlanVersion]:
    return [v for v in versions(session, plan) if v.state in PUBLISHED]


def version_moves(session: Session, plan: Plan) -> list[tuple[PlanVersionMove, str | None]]:
    """Every move of every version, oldest first, with the mover's name."""
    query = (
        select(PlanVersionMove, StaffAccount.display_name)
        .join(PlanVersion, col(PlanVersion.id) == PlanVersionMove.version_id)
        .join(StaffAccount, col(StaffAccount.id) == PlanVersionMove.moved_by_id, isouter=True)
        .where(PlanVersion.plan_id == plan.id)
        .order_by(col(PlanVersionMove.moved_at), col(PlanVersionMove.id))
    )
    return [(m, name) for m, name in session.exec(query).all()]


def ensure_version(session: Session, plan: Plan, actor: StaffAccount | None) -> PlanVersion:
    """The current version; a plan made before versions existed gets version 1 (a draft)."""
    version = current_version(session, plan)
    if version is None:
        version = PlanVersion(
            plan_id=plan.id or 0,
            number=1,
            state=plan.status,
            created_by_id=actor.id if actor else None,
        )
        session.add(version)
        session.flush()
        session.add(
            PlanVersionMove(
                version_id=version.id or 0,
                state=plan.status,
                moved_by_id=actor.id if actor else None,
            )
        )
    return version


def ensure_editable(plan: Plan) -> None:
    """Only a draft's content can change; consultation and adopted versions are frozen."""
    if plan.status == PlanStatus.adopted:
        raise Conflict(
            _("This plan version is adopted and read-only. Start a new draft to change it.")
        )
    if plan.status == PlanStatus.consultation:
        raise Conflict(
            _(
                "This plan version is in public consultation and read-only. "
                "Start a new draft to change it."
            )
        )


# --- content ---------------------------------------------------------------------------------


def live_items(session: Session, plan: Plan) -> list[PlanItem]:
    query = (
        select(PlanItem)
        .where(PlanItem.plan_id == plan.id, col(PlanItem.removed_at).is_(None))
        .order_by(col(PlanItem.priority), col(PlanItem.id))
    )
    return list(session.exec(query).all())


class ItemLine(NamedTuple):
    """A live item as the plan page lists it, read as plain columns (no ORM entity)."""

    id: int
    priority: int
    title: str
    agency_id: int | None
    budget_planned: int | None
    fiscal_year_start: int | None
    fiscal_year_end: int | None
    proposal_id: int | None
    vote_round_id: int | None
    votes: int


def item_lines(session: Session, plan: Plan) -> list[ItemLine]:
    """The plan's live items in priority order, the columns its page shows and provenance
    reads: a page of 500 items spent more CPU building PlanItem objects than querying."""
    c = table(PlanItem).c
    query = (
        sa_select(*(c[name] for name in ItemLine._fields))
        .where(c.plan_id == plan.id, c.removed_at.is_(None))
        .order_by(c.priority, c.id)
    )
    return [ItemLine(*row) for row in rows(session, query)]


def issues_with_goals(session: Session, plan: Plan) -> list[tuple[PlanIssue, list[PlanGoal]]]:
    issues = session.exec(
        select(PlanIssue)
        .where(PlanIssue.plan_id == plan.id)
        .order_by(col(PlanIssue.dimension), col(PlanIssue.position), col(PlanIssue.id))
    ).all()
    goals = session.exec(
        select(PlanGoal)
        .where(col(PlanGoal.issue_id).in_([i.id for i in issues]))
        .order_by(col(PlanGoal.position), col(PlanGoal.id))
    ).all()
    return [(i, [g for g in goals if g.issue_id == i.id]) for i in issues]


def live_snapshot(session: Session, plan: Plan) -> dict[str, Any]:
    """The plan's live content in the shape a frozen version keeps (app.domain.plan_record)."""
    items = live_items(session, plan)
    issues = issues_with_goals(session, plan)
    goal_titles = {g.id: g.title for _i, goals in issues for g in goals}
    agencies = {
        a.id: a.name
        for a in session.exec(
            select(Agency).where(col(Agency.id).in_({i.agency_id for i in items if i.agency_id}))
        ).all()
    }
    sources: dict[int, list[int]] = {}
    for item_id, proposal_id in session.exec(
        select(PlanItemSource.item_id, PlanItemSource.proposal_id)
        .where(col(PlanItemSource.item_id).in_([i.id for i in items]))
        .order_by(col(PlanItemSource.id))
    ).all():
        sources.setdefault(item_id, []).append(proposal_id)
    return {
        "vision": plan.vision,
        "issues": [
            {"dimension": i.dimension, "title": i.title, "goals": [g.title for g in goals]}
            for i, goals in issues
        ],
        "items": [
            {
                "id": item.id,
                "priority": item.priority,
                "title": item.title,
                "description": item.description,
                "place": item.place,
                "dimension": item.dimension,
                "goal": goal_titles.get(item.goal_id) if item.goal_id else None,
                "agency": agencies.get(item.agency_id) if item.agency_id else None,
                "budget_planned": item.budget_planned,
                "funding_source": item.funding_source,
                "fiscal_year_start": item.fiscal_year_start,
                "fiscal_year_end": item.fiscal_year_end,
                "proposals": sources.get(item.id or 0)
                or ([item.proposal_id] if item.proposal_id else []),
            }
            for item in items
        ],
    }


def version_content(session: Session, plan: Plan, version: PlanVersion | None) -> dict[str, Any]:
    """A frozen version's snapshot, or the live content for the current draft."""
    if version is not None and version.snapshot is not None:
        return version.snapshot
    return live_snapshot(session, plan)


def get_version(session: Session, plan: Plan, number: int) -> PlanVersion:
    version = session.exec(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    ).first()
    if version is None and number == 1 and current_version(session, plan) is None:
        # A plan from before versions: its live content is version 1 (never written on a read).
        return PlanVersion(plan_id=plan.id or 0, number=1, state=plan.status)
    if version is None:
        raise NotFound(_("This plan has no version %(num)s.") % {"num": number})
    return version


def diff(session: Session, plan: Plan, old: int, new: int) -> rules.VersionDiff:
    return rules.diff_versions(
        version_content(session, plan, get_version(session, plan, old)),
        version_content(session, plan, get_version(session, plan, new)),
    )


# --- moving a version ----------------------------------------------------------------------------


def move(session: Session, plan: Plan, state: str, note: str, actor: StaffAccount) -> PlanVersion:
    """Move the current version to `state` (consultation or adopted), or start a new draft
    (a copy of the current version's content). Going to consultation needs a responsible
    agency on every item."""
    try:
        target = PlanStatus(state)
    except ValueError:
        raise UserError(_("Choose where to move the version."), status_code=422) from None
    version = ensure_version(session, plan, actor)
    if target not in MOVES[PlanStatus(version.state)]:
        raise Conflict(
            _("A version in this state cannot be moved there. Reload the page to see its state.")
        )
    note = note.strip()[:2000]
    if target == PlanStatus.draft:
        other_draft = session.exec(
            select(Plan.id).where(
                Plan.city_id == plan.city_id, Plan.status == PlanStatus.draft, Plan.id != plan.id
            )
        ).first()
        if other_draft is not None:
            raise Conflict(_("This city already has a draft plan. Finish that one first."))
        version = PlanVersion(
            plan_id=plan.id or 0,
            number=version.number + 1,
            state=PlanStatus.draft,
            created_by_id=actor.id,
        )
        session.add(version)
        session.flush()
    else:
        content = version_content(session, plan, version)
        if target == PlanStatus.consultation:
            missing = rules.items_missing_agency(content)
            if missing:
                raise UserError(
                    _(
                        "Every item needs a responsible agency before public consultation. "
                        "Missing for: %(items)s"
                    )
                    % {"items": ", ".join(f"“{t}”" for t in missing)},
                    status_code=422,
                )
        version.snapshot = content
        version.state = target
        session.add(version)
    plan.status = target
    session.add(plan)
    session.add(
        PlanVersionMove(version_id=version.id or 0, state=target, note=note, moved_by_id=actor.id)
    )
    session.flush()
    return version


# --- editing items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemEdit:
    """What the planner typed on the item form, parsed; `revision` is the one they edited."""

    revision: int
    reason: str
    title: str
    description: str = ""
    place: str | None = None
    dimension: str = ""
    goal_id: int | None = None
    agency_id: int | None = None
    budget_planned: int | None = None
    funding_source: str | None = None
    fiscal_year_start: int | None = None
    fiscal_year_end: int | None = None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in rules.EDITABLE_FIELDS}


class StaleEdit(Conflict):
    """Someone saved the item after this form was opened: nothing was written."""

    def __init__(self, message: str, changes: list[PlanItemChange], current: PlanItem) -> None:
        super().__init__(message)
        self.changes = changes
        self.current = current


def get_item(session: Session, plan: Plan, item_id: int) -> PlanItem:
    item = session.get(PlanItem, item_id)
    if item is None or item.plan_id != plan.id:
        raise NotFound(_("There is no plan item with this number."))
    return item


def _check_edit(session: Session, city: City, plan: Plan, edit: ItemEdit) -> None:
    if not edit.title.strip():
        raise UserError(_("Give the item a title."), status_code=422)
    if len(edit.title) > 200:
        raise UserError(_("A title can be at most 200 characters."), status_code=422)
    if edit.agency_id is not None:
        agency = session.get(Agency, edit.agency_id)
        if agency is None or agency.city_id != city.id:
            raise UserError(_("Choose an agency of this city."), status_code=422)
    if edit.goal_id is not None:
        goal = session.get(PlanGoal, edit.goal_id)
        issue = session.get(PlanIssue, goal.issue_id) if goal else None
        if issue is None or issue.plan_id != plan.id:
            raise UserError(_("Choose a goal of this plan."), status_code=422)
    start, end = edit.fiscal_year_start, edit.fiscal_year_end
    for year in (start, end):
        if year is not None and not 2500 <= year <= 2700:
            raise UserError(
                _("Fiscal years are Buddhist Era years, such as 2569."), status_code=422
            )
    if start is not None and end is not None and end < start:
        raise UserError(_("The last fiscal year cannot come before the first."), status_code=422)


def save_item(
    session: Session, city: City, plan: Plan, item: PlanItem, edit: ItemEdit, actor: StaffAccount
) -> PlanItemChange | None:
    """Save the planner's edit if nobody saved the item since they opened it (see _write).
    Returns the change recorded (None: nothing changed)."""
    ensure_editable(plan)
    _check_edit(session, city, plan, edit)
    before = {name: getattr(item, name) for name in rules.EDITABLE_FIELDS}
    changes = rules.item_changes(before, edit.values())
    return _write(session, item, edit.revision, changes, edit.reason, actor)


def _write(
    session: Session,
    item: PlanItem,
    revision: int,
    changes: dict[str, list[Any]],
    reason: str,
    actor: StaffAccount,
) -> PlanItemChange | None:
    """Write `changes` ({field: [old, new]}) and their history entry, if the item is still at
    the `revision` the form showed. The check is one UPDATE ... WHERE revision = that one, so
    of two people saving at once exactly one wins; the other gets StaleEdit with the changes
    made since, and nothing of theirs is written."""
    if item.revision != revision:
        raise _stale(session, item, revision)
    if not changes:
        return None
    written = session.execute(
        update(PlanItem)
        .where(col(PlanItem.id) == item.id, col(PlanItem.revision) == revision)
        .values(revision=revision + 1, **{k: v for k, (_o, v) in changes.items()})
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(item)
        raise _stale(session, item, revision)
    session.expire(item)
    change = PlanItemChange(
        item_id=item.id or 0,
        revision=revision + 1,
        changes=changes,
        reason=reason.strip()[:2000],
        actor_id=actor.id,
    )
    session.add(change)
    session.flush()
    return change


@dataclass(frozen=True)
class MonitoringEdit:
    """The monitoring form of an item, parsed; a field left out of the form (no key in
    `values`) keeps its value, one sent empty (None) clears it."""

    revision: int
    reason: str
    values: dict[str, Any]  # of rules.MONITORING_FIELDS


def save_monitoring(
    session: Session, city: City, item: PlanItem, edit: MonitoringEdit, actor: StaffAccount
) -> PlanItemChange | None:
    """Save the monitoring form through the record: every change kept in the item's history
    with who, when and why, and the same revision check as the plan form. The plan's text
    (dimension, agency, budget, fiscal years) changes only in a draft; the progress status
    changes whatever the version, since monitoring follows adoption."""
    plan = session.get(Plan, item.plan_id)
    if plan is None:
        raise NotFound(_("There is no plan item with this number."))
    if "status" in edit.values and edit.values["status"] not in {s.value for s in ItemStatus}:
        raise UserError(_("Choose a status from the list."), status_code=422)  # empty too
    current = {name: getattr(item, name) for name in rules.MONITORING_FIELDS}
    after = current | {k: v for k, v in edit.values.items() if k in current}
    changes = rules.item_changes(current, after, rules.MONITORING_FIELDS)
    if set(changes) - set(rules.PROGRESS_FIELDS):
        ensure_editable(plan)
        _check_edit(
            session,
            city,
            plan,
            ItemEdit(
                revision=edit.revision,
                reason=edit.reason,
                title=item.title,
                **{k: after[k] for k in rules.MONITORING_FIELDS if k not in rules.PROGRESS_FIELDS},
            ),
        )
    return _write(session, item, edit.revision, changes, edit.reason, actor)


def _stale(session: Session, item: PlanItem, revision: int) -> StaleEdit:
    session.refresh(item)
    changes = list(
        session.exec(
            select(PlanItemChange)
            .where(PlanItemChange.item_id == item.id, col(PlanItemChange.revision) > revision)
            .order_by(col(PlanItemChange.revision))
        ).all()
    )
    return StaleEdit(
        _(
            "Someone else saved this item while you were editing it. Nothing of yours was "
            "saved: compare their change below, then save again."
        ),
        changes,
        item,
    )


def history(session: Session, item: PlanItem) -> list[tuple[PlanItemChange, str | None]]:
    query = (
        select(PlanItemChange, StaffAccount.display_name)
        .join(StaffAccount, col(StaffAccount.id) == PlanItemChange.actor_id, isouter=True)
        .where(PlanItemChange.item_id == item.id)
        .order_by(col(PlanItemChange.revision).desc(), col(PlanItemChange.id).desc())
    )
    return [(c, name) for c, name in session.exec(query).all()]


def reorder(
    session: Session, plan: Plan, requested: dict[int, int], actor: StaffAccount
) -> list[PlanItem]:
    """Give items the positions the planner typed; the rest keep their order; 1..N after."""
    ensure_editable(plan)
    items = live_items(session, plan)
    by_id = {i.id or 0: i for i in items}
    order = plan_order.reorder(list(by_id), requested)
    for position, item_id in enumerate(order, start=1):
        item = by_id[item_id]
        if item.priority != position:
            session.add(
                PlanItemChange(
                    item_id=item_id,
                    revision=item.revision + 1,
                    changes={"priority": [item.priority, position]},
                    reason=_("Order of the plan changed"),
                    actor_id=actor.id,
                )
            )
            item.priority = position
            item.revision += 1
            session.add(item)
    session.flush()
    return [by_id[i] for i in order]


def remove_item(
    session: Session, plan: Plan, item: PlanItem, reason: str, actor: StaffAccount
) -> None:
    """Leave an item out of the draft (kept, with its reports, for earlier versions)."""
    ensure_editable(plan)
    item.removed_at = utcnow()
    item.revision += 1
    session.add(item)
    session.add(
        PlanItemChange(
            item_id=item.id or 0,
            revision=item.revision,
            changes={"removed": [False, True]},
            reason=reason.strip()[:2000],
            actor_id=actor.id,
        )
    )
    session.flush()
    remaining = live_items(session, plan)
    numbers = plan_order.dense_priorities([(i.id or 0, i.priority) for i in remaining])
    for other in remaining:
        if other.priority != numbers[other.id or 0]:
            other.priority = numbers[other.id or 0]
            session.add(other)
    session.flush()


# --- provenance ----------------------------------------------------------------------------------


class ItemKey(Protocol):
    """What provenance reads of an item: a PlanItem, or an ItemRef read as plain columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def proposal_id(self) -> int | None: ...
    @property
    def vote_round_id(self) -> int | None: ...
    @property
    def votes(self) -> int: ...


class ItemRef(NamedTuple):
    id: int
    proposal_id: int | None
    vote_round_id: int | None
    votes: int


def _item_refs(session: Session, ids: Iterable[int]) -> list[ItemRef]:
    items = table(PlanItem).c
    query = sa_select(items.id, items.proposal_id, items.vote_round_id, items.votes).where(
        among(session, items.id, ids)
    )
    return [ItemRef(*row) for row in rows(session, query)]


def _legacy_sources(
    session: Session, items: Sequence[ItemKey], with_sources: set[int]
) -> list[rules.SourceRow]:
    """Items whose proposal was set directly (imports, old rows) without a source row."""
    bare = [i for i in items if i.proposal_id and i.id not in with_sources]
    if not bare:
        return []
    proposals = table(Proposal).c
    found = {
        pid: (title, idea_id, theme_id)
        for pid, title, idea_id, theme_id in rows(
            session,
            sa_select(
                proposals.id, proposals.title, proposals.source_idea_id, proposals.source_theme_id
            ).where(among(session, proposals.id, {i.proposal_id or 0 for i in bare})),
        )
    }
    rounds = _rounds(session, {i.vote_round_id for i in bare})
    result = []
    for item in bare:
        proposal = found.get(item.proposal_id)
        if proposal is None:
            continue
        title, idea_id, theme_id = proposal
        vote_round = rounds.get(item.vote_round_id or 0)
        result.append(
            rules.SourceRow(
                item_id=item.id or 0,
                proposal_id=item.proposal_id or 0,
                proposal_title=title,
                round_id=vote_round.id if vote_round else None,
                round_question=vote_round.question if vote_round else "",
                digest=vote_round.digest if vote_round else None,
                support=float(item.votes) if vote_round else None,
                source_idea_id=idea_id,
                source_theme_id=theme_id,
                rule=vote_round.rule if vote_round else None,
            )
        )
    return result


class _Round(NamedTuple):
    id: int
    question: str
    digest: str | None
    rule: str  # the counting rule behind an item's support


def _rounds(session: Session, ids: set[int | None]) -> dict[int, _Round]:
    """Rounds by id, the columns a chain shows (not their frozen result, a large document)."""
    rounds = table(VoteRound).c
    query = sa_select(rounds.id, rounds.question, rounds.digest, rounds.method).where(
        among(session, rounds.id, {i for i in ids if i is not None})
    )
    return {
        rid: _Round(rid, question, digest, RULES[Method(method)][0])
        for rid, question, digest, method in rows(session, query)
    }


def provenance(session: Session, items: Sequence[ItemKey]) -> dict[int, rules.Chain]:
    """The chain of every item, in a fixed number of queries whatever the number of items
    (sources, rounds, theme members, contributions, their themes, +1s).

    Core statements on table columns read as plain tuples: ORM entities, and even the ORM's
    handling of column queries, cost more CPU than the queries on a 500-item plan
    (bench/plan_record.py)."""
    item_ids = [i.id or 0 for i in items]
    if not item_ids:
        return {}
    source, proposal = table(PlanItemSource).c, table(Proposal).c
    found = rows(
        session,
        sa_select(
            source.item_id,
            source.vote_round_id,
            source.rationale,
            source.support,
            source.rank,
            proposal.id,
            proposal.title,
            proposal.source_idea_id,
            proposal.source_theme_id,
        )
        .join(table(Proposal), proposal.id == source.proposal_id)
        .where(among(session, source.item_id, item_ids))
        .order_by(source.id),
    )
    rounds = _rounds(session, {row[1] for row in found})
    sources = []
    for item_id, round_id, rationale, support, rank, pid, title, idea_id, theme_id in found:
        vote_round = rounds.get(round_id or 0)
        sources.append(
            rules.SourceRow(
                item_id,
                pid,
                title,
                rationale,
                vote_round.id if vote_round else None,
                vote_round.question if vote_round else "",
                vote_round.digest if vote_round else None,
                support,
                rank,
                idea_id,
                theme_id,
                vote_round.rule if vote_round else None,
            )
        )
    sources += _legacy_sources(session, items, {s.item_id for s in sources})
    idea_ids = {s.source_idea_id for s in sources if s.source_idea_id is not None}
    theme_ids = {s.source_theme_id for s in sources if s.source_theme_id is not None}
    member, theme, idea = table(ThemeMember).c, table(Theme).c, table(Idea).c
    theme_members = rows(
        session,
        sa_select(member.theme_id, member.idea_id).where(
            among(session, member.theme_id, theme_ids)
        ),
    )
    member_ids = {m for _t, m in theme_members}
    # Each level's filters as a UNION ALL of single-column conditions, never an OR: each half
    # uses its index, where PostgreSQL scanned the whole table for the OR.
    idea_columns = (
        idea.id,
        idea.parent_id,
        idea.participant_id,
        idea.channel,
        idea.stakeholder_group,
        idea.text,
    )
    visible = idea.hidden.is_(False)
    ideas = rows(
        session,
        union_all(
            sa_select(*idea_columns).where(among(session, idea.id, idea_ids | member_ids), visible),
            sa_select(*idea_columns).where(among(session, idea.parent_id, idea_ids), visible),
        ),
    )
    paper = Channel.paper.value
    contributions = {
        idea_id: rules.Contribution(
            idea_id,
            "comment" if parent_id else ("note" if channel == paper else "idea"),
            text,
            parent_id,
            participant_id,
            group,
        )
        for idea_id, parent_id, participant_id, channel, group, text in ideas
    }
    themed = sa_select(member.idea_id, theme.id, theme.label).join(
        table(Theme), theme.id == member.theme_id
    )
    held = rows(
        session,
        union_all(
            themed.where(among(session, member.idea_id, contributions.keys())),
            themed.where(among(session, theme.id, theme_ids)),
        ),
    )
    labels: dict[int, str] = {}
    members: dict[int, set[int]] = {}
    for idea_id, theme_id, label in held:
        labels[theme_id] = label
        members.setdefault(theme_id, set()).add(idea_id)
    for theme_id, idea_id in theme_members:
        members.setdefault(theme_id, set()).add(idea_id)
    themes = {
        t: rules.ThemeRow(t, labels.get(t, ""), tuple(sorted(members.get(t, set()))))
        for t in labels.keys() | theme_ids
    }
    reaction, participant = table(IdeaReaction).c, table(Participant).c
    supporters: dict[int, list[tuple[int, str]]] = {}
    for idea_id, participant_id, group in rows(
        session,
        sa_select(reaction.idea_id, participant.id, participant.stakeholder_group)
        .join(table(Participant), participant.id == reaction.participant_id)
        .where(among(session, reaction.idea_id, contributions.keys())),
    ):
        supporters.setdefault(idea_id, []).append((participant_id, group))
    data = rules.ProvenanceInput(sources, contributions, themes, supporters)
    return rules.assemble_chains(data, item_ids)


@dataclass(frozen=True)
class PublishedPlan:
    plan: Plan
    version: PlanVersion
    content: dict[str, Any]
    moved_at: Any  # when it reached its state
    chains: dict[int, rules.Chain]


def published_plan(session: Session, city: City) -> PublishedPlan | None:
    """The city's latest version in public consultation or adopted, with its chains; drafts
    are never shown to the public."""
    row = session.exec(
        select(PlanVersion, Plan)
        .join(Plan, col(Plan.id) == PlanVersion.plan_id)
        .where(Plan.city_id == city.id, col(PlanVersion.state).in_([s.value for s in PUBLISHED]))
        .order_by(col(PlanVersion.id).desc())
    ).first()
    if row is None:
        return None
    version, plan = row
    content = version.snapshot or {}
    items = _item_refs(session, [int(i["id"]) for i in content.get("items", [])])
    moved_at = session.exec(
        select(PlanVersionMove.moved_at)
        .where(PlanVersionMove.version_id == version.id)
        .order_by(col(PlanVersionMove.id).desc())
    ).first()
    return PublishedPlan(plan, version, content, moved_at, provenance(session, items))


def provenance_summaries(chains: dict[int, rules.Chain]) -> dict[int, str]:
    """One line per item for tables and documents: the vote, rank and support behind it, and
    how many people and groups."""
    summaries = {}
    for item_id, chain in chains.items():
        parts = []
        for step in chain.steps:
            text = step.proposal.label
            if step.round is not None:
                text += " · " + _("vote #%(id)s") % {"id": step.round.id}
            if step.rank:
                text += " · " + _("rank %(rank)s") % {"rank": step.rank}
            parts.append(text)
        if chain.steps:
            parts.append(
                _("%(people)s people, %(groups)s groups")
                % {"people": chain.people, "groups": len(chain.groups)}
            )
        summaries[item_id] = "; ".join(parts)
    return summaries


def version_document(
    session: Session, plan: Plan, version: PlanVersion | None
) -> tuple[dict[str, Any], dict[int, str]]:
    """A version's content and each of its items' provenance summary."""
    content = version_content(session, plan, version)
    items = _item_refs(session, [int(i["id"]) for i in content.get("items", [])])
    return content, provenance_summaries(provenance(session, items))


def published_versions_of_city(session: Session, city: City) -> list[tuple[PlanVersion, Plan, Any]]:
    """Every published version of the city's plans, newest first, with when it was moved."""
    rows = session.exec(
        select(PlanVersion, Plan)
        .join(Plan, col(Plan.id) == PlanVersion.plan_id)
        .where(Plan.city_id == city.id, col(PlanVersion.state).in_([s.value for s in PUBLISHED]))
        .order_by(col(PlanVersion.id).desc())
    ).all()
    moves: dict[int, Any] = {}
    for version_id, moved_at in session.exec(
        select(PlanVersionMove.version_id, PlanVersionMove.moved_at)
        .where(col(PlanVersionMove.version_id).in_([v.id for v, _p in rows]))
        .order_by(col(PlanVersionMove.id))
    ).all():
        moves[version_id] = moved_at
    return [(v, p, moves.get(v.id or 0)) for v, p in rows]


@dataclass(frozen=True)
class PublishedItems:
    plan: Plan
    version: PlanVersion
    moved_at: Any
    items: list[dict[str, Any]]  # the version's items, in priority order


def published_items(session: Session, city: City) -> PublishedItems | None:
    """The items of the city's latest published version (adopted, or in consultation) as
    frozen, without provenance: for pages that only list them. Never a draft."""
    rows = published_versions_of_city(session, city)
    if not rows:
        return None
    version, plan, moved_at = rows[0]
    items = sorted(
        (version.snapshot or {}).get("items", []),
        key=lambda i: (i.get("priority") or 0, i["id"]),
    )
    return PublishedItems(plan, version, moved_at, items)


def published_version(session: Session, city: City, number: int | None) -> PublishedPlan:
    """A published version of the city's plan (the newest if no number), with its chains."""
    rows = published_versions_of_city(session, city)
    if number is not None:
        rows = [r for r in rows if r[0].number == number]
    if not rows:
        raise NotFound(_("This city has no published plan version with that number."))
    version, plan, moved_at = rows[0]
    content = version.snapshot or {}
    items = _item_refs(session, [int(i["id"]) for i in content.get("items", [])])
    return PublishedPlan(plan, version, content, moved_at, provenance(session, items))


def to_public(city: City, published: PublishedPlan) -> PlanPublic:
    def link(value: rules.Link | None) -> LinkPublic | None:
        return LinkPublic(kind=value.kind, id=value.id, label=value.label) if value else None

    def chain(c: rules.Chain | None) -> ProvenancePublic | None:
        if c is None:
            return None
        return ProvenancePublic(
            item_id=c.item_id,
            people=c.people,
            groups=list(c.groups),
            steps=[
                ProvenanceStepPublic(
                    proposal=LinkPublic(kind="proposal", id=s.proposal.id, label=s.proposal.label),
                    rationale=s.rationale,
                    vote_round=link(s.round),
                    digest=s.digest,
                    support=s.support,
                    rule=s.rule,
                    rank=s.rank,
                    contributions=[
                        LinkPublic(kind=x.kind, id=x.id, label=x.label) for x in s.contributions
                    ],
                    themes=[LinkPublic(kind="theme", id=t.id, label=t.label) for t in s.themes],
                )
                for s in c.steps
            ],
        )

    content = published.content
    fields = set(PlanItemPublic.model_fields) - {"provenance"}
    return PlanPublic(
        city=city.slug,
        plan_id=published.plan.id or 0,
        title=published.plan.title,
        first_year=published.plan.first_year,
        last_year=published.plan.last_year,
        version=PlanVersionPublic(
            number=published.version.number,
            state=published.version.state,
            moved_at=published.moved_at,
        ),
        vision=content.get("vision", ""),
        issues=[PlanIssuePublic(**i) for i in content.get("issues", [])],
        items=[
            PlanItemPublic(
                **{k: v for k, v in i.items() if k in fields},
                provenance=chain(published.chains.get(int(i["id"]))),
            )
            for i in sorted(
                content.get("items", []), key=lambda i: (i.get("priority") or 0, i["id"])
            )
        ],
    )


# --- structure: vision, years, strategic issues and goals -----------------------------------------


def save_outline(
    session: Session,
    plan: Plan,
    *,
    title: str,
    vision: str,
    first_year: int | None,
    last_year: int | None,
) -> None:
    ensure_editable(plan)
    if not title.strip():
        raise UserError(_("Give the plan a title."), status_code=422)
    if first_year is not None and last_year is not None and last_year < first_year:
        raise UserError(_("The last fiscal year cannot come before the first."), status_code=422)
    plan.title = title.strip()[:200]
    plan.vision = vision.strip()[:5000]
    plan.first_year, plan.last_year = first_year, last_year
    session.add(plan)
    session.flush()


def add_issue(session: Session, plan: Plan, dimension: str, title: str) -> PlanIssue:
    ensure_editable(plan)
    if not title.strip():
        raise UserError(_("Write the strategic issue."), status_code=422)
    count = len(issues_with_goals(session, plan))
    issue = PlanIssue(
        plan_id=plan.id or 0,
        dimension=dimension[:40],
        title=title.strip()[:300],
        position=count + 1,
    )
    session.add(issue)
    session.flush()
    return issue


def add_goal(session: Session, plan: Plan, issue_id: int, title: str) -> PlanGoal:
    ensure_editable(plan)
    issue = session.get(PlanIssue, issue_id)
    if issue is None or issue.plan_id != plan.id:
        raise NotFound(_("There is no such strategic issue in this plan."))
    if not title.strip():
        raise UserError(_("Write the goal."), status_code=422)
    goal = PlanGoal(
        issue_id=issue_id, title=title.strip()[:300], position=len(_goals_of(session, issue_id)) + 1
    )
    session.add(goal)
    session.flush()
    return goal


def _issue(session: Session, plan: Plan, issue_id: int) -> PlanIssue:
    issue = session.get(PlanIssue, issue_id)
    if issue is None or issue.plan_id != plan.id:
        raise NotFound(_("There is no such strategic issue in this plan."))
    return issue


def _goal(session: Session, plan: Plan, goal_id: int) -> PlanGoal:
    goal = session.get(PlanGoal, goal_id)
    if goal is None or _issue(session, plan, goal.issue_id).plan_id != plan.id:
        raise NotFound(_("There is no such goal in this plan."))
    return goal


def _renumber(rows: list[PlanIssue] | list[PlanGoal], order: list[int], session: Session) -> None:
    by_id = {r.id or 0: r for r in rows}
    for position, row_id in enumerate(order, start=1):
        if by_id[row_id].position != position:
            by_id[row_id].position = position
            session.add(by_id[row_id])


def _unlink_goals(session: Session, plan: Plan, goal_ids: list[int], actor: StaffAccount) -> None:
    """Items under goals being removed lose their goal, each change kept in its history
    (removed items too: their row still points at the goal)."""
    items = session.exec(
        select(PlanItem).where(PlanItem.plan_id == plan.id, col(PlanItem.goal_id).in_(goal_ids))
    ).all()
    for item in items:
        item.revision += 1
        session.add(
            PlanItemChange(
                item_id=item.id or 0,
                revision=item.revision,
                changes={"goal_id": [item.goal_id, None]},
                reason=_("Its goal was removed from the plan"),
                actor_id=actor.id,
            )
        )
        item.goal_id = None
        session.add(item)
    session.flush()


def _siblings(session: Session, plan: Plan, issue: PlanIssue) -> list[PlanIssue]:
    """The issues of the same development dimension, in the order shown."""
    return [i for i, _goals in issues_with_goals(session, plan) if i.dimension == issue.dimension]


def _goals_of(session: Session, issue_id: int) -> list[PlanGoal]:
    query = select(PlanGoal).where(PlanGoal.issue_id == issue_id)
    return list(session.exec(query.order_by(col(PlanGoal.position), col(PlanGoal.id))).all())


def remove_issue(session: Session, plan: Plan, issue_id: int, actor: StaffAccount) -> None:
    """Take a strategic issue and its goals out of the draft; items under them keep their
    place in the plan without a goal."""
    ensure_editable(plan)
    issue = _issue(session, plan, issue_id)
    goals = _goals_of(session, issue_id)
    _unlink_goals(session, plan, [g.id or 0 for g in goals], actor)
    for goal in goals:
        session.delete(goal)
    session.delete(issue)
    session.flush()
    rest = _siblings(session, plan, issue)  # flushed: the removed issue is not among them
    _renumber(rest, [i.id or 0 for i in rest], session)
    session.flush()


def remove_goal(session: Session, plan: Plan, goal_id: int, actor: StaffAccount) -> None:
    ensure_editable(plan)
    goal = _goal(session, plan, goal_id)
    _unlink_goals(session, plan, [goal_id], actor)
    session.delete(goal)
    session.flush()
    rest = _goals_of(session, goal.issue_id)
    _renumber(rest, [g.id or 0 for g in rest], session)
    session.flush()


def move_issue(session: Session, plan: Plan, issue_id: int, offset: int) -> None:
    """One place up (-1) or down (+1) among the issues of its development dimension."""
    ensure_editable(plan)
    siblings = _siblings(session, plan, _issue(session, plan, issue_id))
    _renumber(siblings, agenda.move([i.id or 0 for i in siblings], issue_id, offset), session)
    session.flush()


def move_goal(session: Session, plan: Plan, goal_id: int, offset: int) -> None:
    """One place up (-1) or down (+1) among the goals of its strategic issue."""
    ensure_editable(plan)
    goals = _goals_of(session, _goal(session, plan, goal_id).issue_id)
    _renumber(goals, agenda.move([g.id or 0 for g in goals], goal_id, offset), session)
    session.flush()

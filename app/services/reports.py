"""After the session: participation per stakeholder group and per table."""

from sqlmodel import Session, col, func, select

from app.domain.attendance import Attendance, IdeaRow, attendance
from app.domain.export import be_datetime
from app.i18n import THAI_TZ
from app.models import Idea, IdeaReaction, Participant, StakeholderGroup, Workshop
from app.models.theme import RunStatus, Theme, ThemeMember, ThemeRun


def workshop_attendance(session: Session, workshop: Workshop) -> Attendance:
    participants = session.exec(
        select(Participant.id, Participant.stakeholder_group).where(
            Participant.workshop_id == workshop.id
        )
    ).all()
    ideas = session.exec(
        select(  # type: ignore[call-overload]
            Idea.stakeholder_group,
            Idea.channel,
            Idea.parent_id,
            Idea.participant_id,
            Idea.table_number,
        ).where(Idea.workshop_id == workshop.id)
    ).all()
    reactions = session.exec(
        select(Participant.stakeholder_group)
        .join(IdeaReaction, col(IdeaReaction.participant_id) == Participant.id)
        .where(Participant.workshop_id == workshop.id)
    ).all()
    return attendance(
        [g.value for g in StakeholderGroup],
        [(pid or 0, group) for pid, group in participants],
        [
            IdeaRow(group, channel, parent is not None, pid, table)
            for group, channel, parent, pid, table in ideas
        ],
        list(reactions),
    )


def attendance_csv_rows(report: Attendance) -> tuple[list[str], list[list[object]]]:
    header = [
        "section",
        "table_number",
        "stakeholder_group",
        "participants",
        "active_participants",
        "phone_ideas",
        "paper_ideas",
        "comments",
        "reactions",
    ]
    rows: list[list[object]] = [
        [
            "group",
            None,
            g.stakeholder_group,
            g.participants,
            g.active_participants,
            g.phone_ideas,
            g.paper_ideas,
            g.comments,
            g.reactions,
        ]
        for g in [*report.groups, report.total]
    ]
    rows += [
        ["table", t.table_number, t.stakeholder_group, None, None, None, t.paper_ideas, None, None]
        for t in report.tables
    ]
    return header, rows


IDEA_EXPORT_HEADER = [
    "id",
    "kind",
    "comment_on",
    "text",
    "stakeholder_group",
    "channel",
    "table_number",
    "plus_ones",
    "theme",
    "merged_into",
    "time",
]


def idea_export(session: Session, workshop: Workshop) -> list[list[object]]:
    """Every idea and comment of a workshop that is not hidden, oldest first: one row each
    with its group, channel (phone or paper), table, +1s, theme (of the latest finished theme
    run) and local time in the Buddhist Era. Four queries, whatever the size."""
    ideas = session.exec(
        select(Idea)
        .where(Idea.workshop_id == workshop.id, col(Idea.hidden).is_(False))
        .order_by(col(Idea.id))
    ).all()
    plus_ones = dict(
        session.exec(  # type: ignore[call-overload]
            select(IdeaReaction.idea_id, func.count())
            .join(Idea, col(Idea.id) == IdeaReaction.idea_id)
            .where(Idea.workshop_id == workshop.id)
            .group_by(col(IdeaReaction.idea_id))
        ).all()
    )
    run = session.exec(
        select(ThemeRun)
        .where(ThemeRun.workshop_id == workshop.id, ThemeRun.status == RunStatus.done)
        .order_by(col(ThemeRun.version).desc())
    ).first()
    themes: dict[int, str] = {}
    if run is not None:
        themes = dict(
            session.exec(  # type: ignore[call-overload]
                select(ThemeMember.idea_id, Theme.label)
                .join(Theme, col(Theme.id) == ThemeMember.theme_id)
                .where(ThemeMember.run_id == run.id)
            ).all()
        )
    return [
        [
            idea.id,
            "comment" if idea.parent_id else "idea",
            idea.parent_id,
            idea.text,
            idea.stakeholder_group,
            idea.channel,
            idea.table_number,
            plus_ones.get(idea.id or 0, 0),
            themes.get(idea.id or 0, ""),
            idea.duplicate_of_id,
            be_datetime(idea.created_at, THAI_TZ),
        ]
        for idea in ideas
    ]

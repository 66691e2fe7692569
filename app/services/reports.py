"""After the session: participation per stakeholder group and per table."""

from sqlmodel import Session, col, select

from app.domain.attendance import Attendance, IdeaRow, attendance
from app.models import Idea, IdeaReaction, Participant, StakeholderGroup, Workshop


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

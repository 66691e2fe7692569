"""Demo data for one city, so a newcomer sees a living workshop on first run."""

from sqlmodel import Session, select

from app.domain.eligibility import Eligibility
from app.domain.voting import Method
from app.models import (
    Agency,
    City,
    Idea,
    Role,
    StaffAccount,
    StakeholderGroup,
    Workshop,
)
from app.services import accounts, cities, demo_monitoring, voting
from app.services import ideas as idea_service
from app.services import proposals as proposal_service
from app.services import workshops as workshop_service

DEMO_PASSWORD = "demo-password"  # noqa: S105  (printed for demo logins, on purpose)
DEMO_ACCOUNTS = [
    ("admin@demo.example", "ผู้ดูแลระบบ (ตัวอย่าง)", Role.admin),
    ("planner@demo.example", "นักวางแผน (ตัวอย่าง)", Role.planner),
    ("facilitator@demo.example", "วิทยากรกระบวนการ (ตัวอย่าง)", Role.facilitator),
]
DEMO_AGENCY_EMAIL = "agency@demo.example"  # reports for the demo city's กองช่าง
DEMO_CITY = "khon-kaen"
DEMO_IDEAS = [
    (StakeholderGroup.resident, "อยากให้มีทางเท้าที่เดินได้สะดวกรอบบึงแก่นนคร ผู้สูงอายุเดินได้ปลอดภัย"),
    (StakeholderGroup.resident, "น้ำท่วมขังถนนหน้าตลาดทุกครั้งที่ฝนตกหนัก ควรขยายท่อระบายน้ำ"),
    (StakeholderGroup.business, "ขอรถโดยสารสาธารณะเชื่อมสถานีรถไฟกับย่านการค้า"),
    (StakeholderGroup.civil_society, "คัดแยกขยะที่ต้นทางในทุกชุมชน พร้อมจุดรับขยะรีไซเคิล"),
    (StakeholderGroup.academia, "ปลูกต้นไม้ใหญ่เพิ่มพื้นที่สีเขียวและลดฝุ่น PM2.5"),
]


# A closed dot vote in the demo workshop: (group, dots per proposal in idea order).
DEMO_BALLOTS = [
    (StakeholderGroup.resident, (2, 3, 0, 0)),
    (StakeholderGroup.resident, (1, 2, 1, 1)),
    (StakeholderGroup.resident, (3, 1, 0, 1)),
    (StakeholderGroup.business, (0, 1, 3, 1)),
    (StakeholderGroup.business, (1, 2, 2, 0)),
    (StakeholderGroup.civil_society, (1, 1, 0, 3)),
    (StakeholderGroup.civil_society, (2, 2, 0, 1)),
    (StakeholderGroup.academia, (1, 2, 0, 2)),
    (StakeholderGroup.public_agency, (1, 3, 1, 0)),
]


def load(session: Session, *, secret_key: str) -> tuple[list[tuple[str, str]], Workshop]:
    """Create demo accounts, a demo workshop with a closed vote, and a draft online vote for
    the city (idempotent); returns the logins and the workshop."""
    city = cities.by_slug(session, DEMO_CITY)
    if city is None:
        raise LookupError("the pilot cities are missing: run the migrations first")
    logins = []
    for email, name, role in DEMO_ACCOUNTS:
        if accounts.find_by_email(session, email) is None:
            accounts.create_account(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                display_name=name,
                city_id=city.id,
            )
        logins.append((email, DEMO_PASSWORD))
    workshop = _demo_workshop(session, city, secret_key)
    demo_monitoring.load(session)
    agency = session.exec(
        select(Agency).where(Agency.city_id == city.id, Agency.name == demo_monitoring.AGENCIES[0])
    ).first()
    if agency is not None:
        if accounts.find_by_email(session, DEMO_AGENCY_EMAIL) is None:
            account = accounts.create_account(
                session,
                email=DEMO_AGENCY_EMAIL,
                password=DEMO_PASSWORD,
                role=Role.agency,
                display_name="กองช่าง (ตัวอย่าง)",
                city_id=city.id,
            )
            account.agency_id = agency.id
            session.add(account)
        logins.append((DEMO_AGENCY_EMAIL, DEMO_PASSWORD))
    return logins, workshop


def _demo_workshop(session: Session, city: City, secret_key: str) -> Workshop:
    title = "เวทีประชาคมเมืองขอนแก่นน่าอยู่ (ข้อมูลตัวอย่าง)"
    existing = session.exec(select(Workshop).where(Workshop.title == title)).first()
    if existing is not None:
        return existing
    facilitator = accounts.find_by_email(session, DEMO_ACCOUNTS[2][0])
    assert isinstance(facilitator, StaffAccount)  # noqa: S101  (created just above)
    details = workshop_service.WorkshopDetails(
        city=city, title=title, description="ข้อมูลตัวอย่างสำหรับทดลองใช้งาน", venue="ห้องประชุมเทศบาล"
    )
    workshop = workshop_service.create_workshop(session, details, created_by=facilitator)
    for group, text in DEMO_IDEAS[:-1]:
        participant = workshop_service.join(
            session, workshop, workshop_service.JoinDetails(group=group)
        )
        idea_service.post(session, workshop, participant, text, client_key=None)
    group, text = DEMO_IDEAS[-1]
    idea_service.add_paper_notes(
        session, workshop, pasted=text, group=group, table_number=3, entered_by=facilitator
    )
    _demo_votes(session, city, workshop, facilitator, secret_key)
    return workshop


def _demo_votes(
    session: Session, city: City, workshop: Workshop, facilitator: StaffAccount, secret_key: str
) -> None:
    """Proposals from the first ideas, a closed dot vote on them, and a draft city budget vote."""
    ideas = session.exec(
        select(Idea).where(Idea.workshop_id == workshop.id).order_by(Idea.id)  # type: ignore[arg-type]
    ).all()
    proposals = [
        proposal_service.promote_idea(session, workshop, idea.id or 0, facilitator)
        for idea in ideas[:4]
    ]
    settings = voting.RoundSettings(
        question="ข้อเสนอใดควรทำก่อน (ข้อมูลตัวอย่าง)",
        method=Method.dot,
        proposal_ids=[p.id or 0 for p in proposals],
        dots_per_voter=5,
        max_dots_per_proposal=3,
        eligibility=Eligibility.open,  # the demo's ballots come from made-up participants
    )
    dot_round = voting.create_round(
        session, city=city, workshop=workshop, settings=settings, actor=facilitator
    )
    voting.open_round(session, dot_round)
    for number, (group, dots) in enumerate(DEMO_BALLOTS):
        person = workshop_service.join(session, workshop, workshop_service.JoinDetails(group=group))
        voting.cast_ballot(
            session,
            dot_round,
            voter_key=voting.participant_voter_key(secret_key, dot_round, person),
            group=group,
            marks={p.id or 0: n for p, n in zip(proposals, dots, strict=True) if n},
            client_key=f"demo-{number}",
            secret_key=secret_key,
            participant=person,
        )
    voting.close_round(session, dot_round)
    planner = accounts.find_by_email(session, DEMO_ACCOUNTS[1][0])
    assert isinstance(planner, StaffAccount)  # noqa: S101  (created in load)
    budget = voting.RoundSettings(
        question="จัดสรรงบประมาณชุมชนปีหน้า 2 ล้านบาท (ข้อมูลตัวอย่าง)",
        method=Method.budget,
        proposal_ids=[p.id or 0 for p in proposals],
        budget=2_000_000,
        costs={
            proposals[0].id or 0: 900_000,
            proposals[1].id or 0: 1_200_000,
            proposals[2].id or 0: 600_000,
            proposals[3].id or 0: 400_000,
        },
    )
    voting.create_round(session, city=city, workshop=None, settings=budget, actor=planner)

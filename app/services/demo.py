"""Demo data for one city, so a newcomer sees a living workshop on first run."""

from sqlmodel import Session, select

from app.models import City, Role, StaffAccount, StakeholderGroup, Workshop
from app.services import accounts, cities
from app.services import ideas as idea_service
from app.services import workshops as workshop_service

DEMO_PASSWORD = "demo-password"  # noqa: S105  (printed for demo logins, on purpose)
DEMO_ACCOUNTS = [
    ("admin@demo.example", "ผู้ดูแลระบบ (ตัวอย่าง)", Role.admin),
    ("planner@demo.example", "นักวางแผน (ตัวอย่าง)", Role.planner),
    ("facilitator@demo.example", "วิทยากรกระบวนการ (ตัวอย่าง)", Role.facilitator),
]
DEMO_CITY = "khon-kaen"
DEMO_IDEAS = [
    (StakeholderGroup.resident, "อยากให้มีทางเท้าที่เดินได้สะดวกรอบบึงแก่นนคร ผู้สูงอายุเดินได้ปลอดภัย"),
    (StakeholderGroup.resident, "น้ำท่วมขังถนนหน้าตลาดทุกครั้งที่ฝนตกหนัก ควรขยายท่อระบายน้ำ"),
    (StakeholderGroup.business, "ขอรถโดยสารสาธารณะเชื่อมสถานีรถไฟกับย่านการค้า"),
    (StakeholderGroup.civil_society, "คัดแยกขยะที่ต้นทางในทุกชุมชน พร้อมจุดรับขยะรีไซเคิล"),
    (StakeholderGroup.academia, "ปลูกต้นไม้ใหญ่เพิ่มพื้นที่สีเขียวและลดฝุ่น PM2.5"),
]


def load(session: Session) -> tuple[list[tuple[str, str]], Workshop]:
    """Create demo accounts and a demo workshop (idempotent); returns the logins and the workshop."""
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
    return logins, _demo_workshop(session, city)


def _demo_workshop(session: Session, city: City) -> Workshop:
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
    return workshop

"""What goes into a theme run: a workshop's (or a whole city's) visible ideas and comments,
never the ones a facilitator hid or merged as duplicates."""

import pytest
from sqlmodel import Session, select

from app.models import Channel, City, Idea, Role, StakeholderGroup, Theme, ThemeMember, ThemeRun
from app.services import ideas as idea_service
from app.services.themes import InlineRunner, Scope, start_run
from tests import factories
from tests.thai_comments import DOGS, FLOOD, GARBAGE, LIGHT

DOG_WORDS = ("หมา", "สุนัข")


@pytest.mark.parametrize("scope_of", ["workshop", "city"])
def test_run_themes_leaves_out_hidden_ideas_and_comments(db: Session, scope_of: str) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    visible = [
        factories.idea(db, workshop=workshop, text=text)
        for topic in (FLOOD, GARBAGE, LIGHT)
        for text in topic
    ]
    # A whole fourth topic that moderation took down: ideas, and comments on a visible idea.
    hidden = [factories.idea(db, workshop=workshop, text=text) for text in DOGS[:6]]
    for text in DOGS[6:]:
        comment = Idea(
            workshop_id=workshop.id or 0,
            parent_id=visible[0].id,
            stakeholder_group=StakeholderGroup.resident,
            text=text,
            channel=Channel.phone,
        )
        db.add(comment)
        db.flush()
        hidden.append(comment)
    for row in hidden:
        idea_service.hide(db, workshop, row.id or 0, reason="นอกเรื่อง", by=facilitator)
    duplicate = factories.idea(db, workshop=workshop, text=FLOOD[0])
    idea_service.mark_duplicate(db, workshop, duplicate.id or 0, visible[0].id or 0)
    db.commit()

    city = db.get(City, workshop.city_id)
    assert city is not None
    if scope_of == "workshop":
        scope, actor = Scope(city, workshop), facilitator
    else:
        scope, actor = Scope(city), factories.account(db, role=Role.planner)
    run = start_run(db, scope, actor, InlineRunner())

    db.expire_all()
    run = db.get(ThemeRun, run.id)
    assert run is not None
    assert (run.status, run.comment_count) == ("done", len(visible))
    members = set(db.exec(select(ThemeMember.idea_id).where(ThemeMember.run_id == run.id)).all())
    assert members == {row.id for row in visible}
    themes = db.exec(select(Theme).where(Theme.run_id == run.id)).all()
    words = " ".join(f"{t.label} {t.suggested_label} {' '.join(t.keywords)}" for t in themes)
    assert not any(word in words for word in DOG_WORDS), words

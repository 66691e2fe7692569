"""The themes board through the web: run, versions, rename, merge, split, move, pin,
re-run keeping hand-made changes, promote, city words, and refusals."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import (
    CityWord,
    Idea,
    Proposal,
    Role,
    StakeholderGroup,
    Theme,
    ThemeMember,
    ThemeRun,
    Workshop,
)
from tests import factories
from tests.helpers import login, post
from tests.thai_comments import FLOOD, GARBAGE, LIGHT

GROUPS = [StakeholderGroup.resident, StakeholderGroup.business, StakeholderGroup.academia]


def _seeded(client: TestClient, db: Session, topics=(FLOOD, GARBAGE, LIGHT)) -> Workshop:  # type: ignore[no-untyped-def]
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    for topic in topics:
        for i, text in enumerate(topic):
            factories.idea(db, workshop=workshop, text=text, group=GROUPS[i % 3])
    login(client, facilitator)
    return workshop


def _themes(db: Session, workshop: Workshop) -> list[Theme]:
    db.expire_all()
    run = db.exec(
        select(ThemeRun)
        .where(ThemeRun.workshop_id == workshop.id)
        .order_by(ThemeRun.version.desc())
    ).first()
    assert run is not None
    return list(db.exec(select(Theme).where(Theme.run_id == run.id).order_by(Theme.position)).all())


def _members(db: Session, theme: Theme) -> set[int]:
    return set(db.exec(select(ThemeMember.idea_id).where(ThemeMember.theme_id == theme.id)).all())


def test_facilitator_finds_themes_and_sees_the_board(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db)
    assert client.get(f"/staff/workshops/{workshop.id}/themes").status_code == 200
    response = post(client, f"/staff/workshops/{workshop.id}/themes/runs")
    assert response.status_code == 303
    run = db.exec(select(ThemeRun)).one()
    assert (run.status, run.version, run.comment_count) == ("done", 1, 30)
    themes = _themes(db, workshop)
    named = [t for t in themes if not t.is_other]
    assert len(named) == 3
    assert sum(len(_members(db, t)) for t in themes) == 30
    page = client.get(f"/staff/workshops/{workshop.id}/themes").text
    for theme in named:
        assert f'id="theme-{theme.id}"' in page
    assert "ขยะ" in page
    assert "น้ำท่วม" in page
    projector = client.get(f"/staff/workshops/{workshop.id}/themes/projector")
    assert projector.status_code == 200
    assert "theme-projector-card" in projector.text


def test_rename_merge_split_move_pin_and_rerun(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db)
    base = f"/staff/workshops/{workshop.id}/themes"
    post(client, f"{base}/runs")
    first, second, third = [t for t in _themes(db, workshop) if not t.is_other]
    # Rename (blank names are refused).
    assert post(client, f"{base}/{first.id}/rename", {"label": "  "}).status_code == 422
    assert post(client, f"{base}/{first.id}/rename", {"label": "เรื่องที่หนึ่ง"}).status_code == 303
    # Merge the second into the third: one theme with both sets of comments.
    both = _members(db, second) | _members(db, third)
    assert post(client, f"{base}/{third.id}/merge", {"other": str(second.id)}).status_code == 303
    assert db.get(Theme, second.id) is None
    assert _members(db, db.get(Theme, third.id)) == both  # type: ignore[arg-type]
    # Split it again: two themes from its comments.
    assert post(client, f"{base}/{third.id}/split").status_code == 303
    named = [t for t in _themes(db, workshop) if not t.is_other]
    assert len(named) == 3
    # Move one comment by hand and pin the renamed theme; a re-run keeps both.
    moved = sorted(_members(db, named[-1]))[0]
    renamed = db.get(Theme, first.id)
    assert renamed is not None
    assert (
        post(
            client, f"{base}/move", {"idea_id": str(moved), "theme_id": str(renamed.id)}
        ).status_code
        == 303
    )
    assert post(client, f"{base}/{renamed.id}/pin", {"pinned": "1"}).status_code == 303
    pinned_members = _members(db, renamed)
    assert moved in pinned_members
    assert post(client, f"{base}/runs").status_code == 303
    themes = _themes(db, workshop)
    kept = [t for t in themes if t.label == "เรื่องที่หนึ่ง"]
    assert len(kept) == 1
    assert kept[0].pinned
    assert _members(db, kept[0]) == pinned_members
    assert kept[0].run_id != renamed.run_id  # a new version
    # Edits to an old version are refused with a message.
    response = post(client, f"{base}/{renamed.id}/rename", {"label": "x"})
    assert response.status_code == 409


def test_promote_a_theme_with_its_comments_as_evidence(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db)
    base = f"/staff/workshops/{workshop.id}/themes"
    post(client, f"{base}/runs")
    theme = next(t for t in _themes(db, workshop) if not t.is_other)
    for _ in range(2):  # twice: one proposal
        assert post(client, f"{base}/{theme.id}/promote").status_code == 303
    proposal = db.exec(select(Proposal)).one()
    assert proposal.source_theme_id == theme.id
    assert proposal.title == theme.label
    assert proposal.workshop_id == workshop.id
    first_comment = db.get(Idea, sorted(_members(db, theme))[0])
    assert first_comment is not None
    assert first_comment.text in proposal.description
    other = next(t for t in _themes(db, workshop) if t.is_other)
    assert post(client, f"{base}/{other.id}/promote").status_code == 422


def test_too_few_comments_gives_a_message_not_a_crash(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db, topics=(FLOOD[:3],))
    assert post(client, f"/staff/workshops/{workshop.id}/themes/runs").status_code == 303
    run = db.exec(select(ThemeRun)).one()
    assert run.status == "failed"
    page = client.get(f"/staff/workshops/{workshop.id}/themes").text
    assert "ความคิดเห็นน้อยเกินไป" in page


def test_bad_requests_are_refused(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db)
    base = f"/staff/workshops/{workshop.id}/themes"
    assert post(client, f"{base}/runs", {"themes": "abc"}).status_code == 422
    assert post(client, f"{base}/runs", {"themes": "1"}).status_code == 422
    assert db.exec(select(ThemeRun)).first() is None
    post(client, f"{base}/runs")
    theme = next(t for t in _themes(db, workshop) if not t.is_other)
    assert post(client, f"{base}/{theme.id}/merge", {"other": str(theme.id)}).status_code == 422
    assert post(client, f"{base}/{theme.id}/merge", {"other": "x"}).status_code == 422
    assert (
        post(client, f"{base}/move", {"idea_id": "999999", "theme_id": str(theme.id)}).status_code
        == 404
    )
    foreign = factories.workshop(db)
    foreign_idea = factories.idea(db, workshop=foreign)
    assert (
        post(
            client, f"{base}/move", {"idea_id": str(foreign_idea.id), "theme_id": str(theme.id)}
        ).status_code
        == 404
    )
    assert post(client, f"{base}/999999/rename", {"label": "x"}).status_code == 404


def test_city_words_are_saved_per_city(client: TestClient, db: Session) -> None:
    workshop = _seeded(client, db)
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/themes/words",
        {"words": "บึงแก่นนคร\n\nชุมชนหนองวัด\nบึงแก่นนคร\n"},
    )
    assert response.status_code == 303
    words = db.exec(select(CityWord.word).where(CityWord.city_id == workshop.city_id)).all()
    assert sorted(words) == ["ชุมชนหนองวัด", "บึงแก่นนคร"]
    assert "ชุมชนหนองวัด" in client.get(f"/staff/workshops/{workshop.id}/themes").text
    too_long = post(client, f"/staff/workshops/{workshop.id}/themes/words", {"words": "ก" * 81})
    assert too_long.status_code == 422


def test_another_facilitator_cannot_touch_the_board(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db, facilitators=[factories.account(db)])
    outsider = factories.account(db)
    planner = factories.account(db, role=Role.planner)
    for account in (outsider, planner):
        login(client, account)
        assert client.get(f"/staff/workshops/{workshop.id}/themes").status_code == 403
        assert post(client, f"/staff/workshops/{workshop.id}/themes/runs").status_code == 403
    assert db.exec(select(ThemeRun)).first() is None


def test_a_planner_finds_themes_across_the_city_board(client: TestClient, db: Session) -> None:
    """Comments of two workshops of one city are clustered together; another city's are not."""
    first = factories.workshop(db)
    second = factories.workshop(db)
    elsewhere = factories.workshop(db, city_slug="nan")
    for workshop, topics in ((first, (FLOOD, GARBAGE)), (second, (LIGHT, FLOOD[:4]))):
        for topic in topics:
            for i, text in enumerate(topic):
                factories.idea(db, workshop=workshop, text=text, group=GROUPS[i % 3])
    factories.idea(db, workshop=elsewhere, text="ความเห็นจากเมืองอื่น")
    login(client, factories.account(db, role=Role.planner))
    base = "/staff/cities/khon-kaen/themes"
    assert client.get(base).status_code == 200
    assert post(client, f"{base}/runs").status_code == 303
    run = db.exec(select(ThemeRun).where(ThemeRun.workshop_id.is_(None))).one()  # type: ignore[union-attr]
    assert (run.status, run.comment_count) == ("done", 34)
    themes = [t for t in _themes_of_run(db, run) if not t.is_other]
    assert len(themes) >= 3
    assert post(client, f"{base}/{themes[0].id}/promote").status_code == 303
    proposal = db.exec(select(Proposal)).one()
    assert (proposal.workshop_id, proposal.city_id) == (None, first.city_id)
    # A workshop's board does not see the city board's themes.
    facilitator = factories.account(db)
    first_with_team = factories.workshop(db, facilitators=[facilitator])
    login(client, facilitator)
    response = post(
        client,
        f"/staff/workshops/{first_with_team.id}/themes/{themes[0].id}/rename",
        {"label": "x"},
    )
    assert response.status_code == 404


def _themes_of_run(db: Session, run: ThemeRun) -> list[Theme]:
    return list(db.exec(select(Theme).where(Theme.run_id == run.id).order_by(Theme.position)).all())

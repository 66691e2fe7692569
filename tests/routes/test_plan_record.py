"""The plan record through its pages: agreeing from a closed vote, versions, read-only
versions, concurrent edits, bad budgets, diffs, provenance and the public page."""

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.domain.voting import Method
from app.models import (
    Agency,
    Idea,
    IdeaReaction,
    Plan,
    PlanItem,
    PlanItemChange,
    PlanItemSource,
    PlanVersion,
    Proposal,
    Role,
    RoundStatus,
    StaffAccount,
    StakeholderGroup,
    Theme,
    ThemeMember,
    ThemeRun,
    VoteRound,
)
from app.services import plan_record, voting
from tests import factories
from tests.helpers import login, post
from tests.statements import recorded_statements


@dataclass
class Setup:
    vote_round: VoteRound
    first: Proposal  # most approvals
    second: Proposal
    third: Proposal


def _closed_round(db: Session, *, close: bool = True) -> Setup:
    """A workshop where a resident's idea (with a business comment and an academic's +1)
    became a proposal; three proposals on an approval ballot, two voters."""
    workshop = factories.workshop(db, title="เวทีประชาคม")
    resident = factories.participant(db, workshop=workshop)
    business = factories.participant(db, workshop=workshop, group=StakeholderGroup.business)
    academic = factories.participant(db, workshop=workshop, group=StakeholderGroup.academia)
    idea = factories.idea(db, workshop=workshop, text="ทางเท้าริมบึงแคบมาก", participant=resident)
    db.add(
        Idea(
            workshop_id=workshop.id or 0,
            participant_id=business.id,
            parent_id=idea.id,
            stakeholder_group=StakeholderGroup.business,
            text="เห็นด้วย ลูกค้าเดินไม่ได้",
        )
    )
    db.add(IdeaReaction(idea_id=idea.id or 0, participant_id=academic.id or 0))
    db.commit()
    first = factories.proposal(db, workshop=workshop, title="ขยายทางเท้า", idea=idea)
    second = factories.proposal(db, workshop=workshop, title="ลอกท่อ")
    third = factories.proposal(db, workshop=workshop, title="=ตลาดนัด")
    vote_round = factories.vote_round(
        db,
        workshop=workshop,
        proposals=[first, second, third],
        method=Method.approval,
        status=RoundStatus.open,
    )
    for n, marks in enumerate(({first.id: 1, second.id: 1}, {first.id: 1})):
        voting.cast_ballot(
            db,
            vote_round,
            voter_key=f"voter-{n}",
            group="resident",
            marks={int(k or 0): v for k, v in marks.items()},
            client_key=f"k{n}",
            secret_key="test-secret",
        )
    if close:
        voting.close_round(db, vote_round)
    db.commit()
    return Setup(vote_round, first, second, third)


def _agree(client: TestClient, s: Setup, *picks: tuple[Proposal, str]) -> object:
    data: dict[str, object] = {
        "round_id": s.vote_round.id,
        "proposal_id": [p.id for p, _r in picks],
    }
    data |= {f"rationale-{p.id}": r for p, r in picks}
    return post(client, "/staff/plans/khon-kaen/agree", data)


def _planner(client: TestClient, db: Session) -> None:
    login(client, factories.account(db, role=Role.planner))


def _items(db: Session) -> list[PlanItem]:
    db.expire_all()
    return list(db.exec(select(PlanItem).order_by(PlanItem.priority)).all())  # type: ignore[arg-type]


def test_agree_two_priorities_with_rationales_from_a_closed_round(
    client: TestClient, db: Session
) -> None:
    s = _closed_round(db)
    _planner(client, db)
    page = client.get(f"/staff/plans/khon-kaen/agree?round={s.vote_round.id}")
    assert page.status_code == 200
    assert "ขยายทางเท้า" in page.text
    response = _agree(client, s, (s.second, "ท่วมทุกปี"), (s.first, "ทุกกลุ่มเห็นด้วย"))
    assert response.status_code == 303  # type: ignore[attr-defined]
    items = _items(db)
    # In the round's ranking order, numbered 1, 2 without gaps.
    assert [(i.priority, i.title, i.votes) for i in items] == [
        (1, "ขยายทางเท้า", 2),
        (2, "ลอกท่อ", 1),
    ]
    sources = db.exec(select(PlanItemSource).order_by(PlanItemSource.rank)).all()  # type: ignore[arg-type]
    assert [(x.rationale, x.rank, x.vote_round_id) for x in sources] == [
        ("ทุกกลุ่มเห็นด้วย", 1, s.vote_round.id),
        ("ท่วมทุกปี", 2, s.vote_round.id),
    ]
    plan_page = client.get("/staff/plans/khon-kaen")
    chain = plan_page.context["chains"][items[0].id]  # type: ignore[attr-defined]
    assert chain.people == 3  # the writer, the commenter, the +1
    assert chain.groups == ("academia", "business", "resident")
    assert (s.vote_round.digest or "")[:16] in plan_page.text
    assert "ทางเท้าริมบึงแคบมาก" in plan_page.text


def test_agree_attaches_a_proposal_to_an_existing_item(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "อันดับหนึ่ง"))
    [item] = _items(db)
    data = {
        "round_id": s.vote_round.id,
        "proposal_id": [s.second.id],
        f"rationale-{s.second.id}": "ทำพร้อมกัน",
        f"attach-{s.second.id}": item.id,
    }
    assert post(client, "/staff/plans/khon-kaen/agree", data).status_code == 303
    [same] = _items(db)
    assert same.id == item.id
    proposals = db.exec(
        select(PlanItemSource.proposal_id).where(PlanItemSource.item_id == item.id)
    ).all()
    assert sorted(proposals) == sorted([s.first.id, s.second.id])


def test_agree_from_an_open_round_is_refused_and_writes_nothing(
    client: TestClient, db: Session
) -> None:
    s = _closed_round(db, close=False)
    _planner(client, db)
    response = _agree(client, s, (s.first, "เร็วไป"))
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "ยังไม่ปิด" in response.text  # type: ignore[attr-defined]
    assert _items(db) == []
    assert db.exec(select(Plan)).all() == []


def test_agree_without_rationale_is_refused(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    _planner(client, db)
    response = _agree(client, s, (s.first, "  "))
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert _items(db) == []


def _agreed_with_agency(client: TestClient, db: Session) -> tuple[Setup, PlanItem, Agency]:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "อันดับหนึ่ง"))
    [item] = _items(db)
    agency = Agency(city_id=factories.city(db).id or 0, name="กองช่าง")
    db.add(agency)
    db.commit()
    return s, item, agency


def _save(client: TestClient, item: PlanItem, revision: int, **fields: object) -> object:
    data: dict[str, object] = {"revision": revision, "title": item.title, "reason": "ปรับ"}
    return post(client, f"/staff/plans/khon-kaen/items/{item.id}", data | fields)


def test_consultation_needs_a_responsible_agency_on_every_item(
    client: TestClient, db: Session
) -> None:
    _s, item, agency = _agreed_with_agency(client, db)
    refused = post(client, "/staff/plans/khon-kaen/move", {"state": "consultation", "note": "x"})
    assert refused.status_code == 422
    assert "ขยายทางเท้า" in refused.text
    assert "หน่วยงานรับผิดชอบ" in refused.text
    assert refused.context["note"] == "x"  # type: ignore[attr-defined]
    db.expire_all()
    assert db.exec(select(Plan)).one().status == "draft"
    assert _save(client, item, 1, agency_id=agency.id).status_code == 303  # type: ignore[attr-defined]
    moved = post(
        client, "/staff/plans/khon-kaen/move", {"state": "consultation", "note": "ส่งประชาพิจารณ์"}
    )
    assert moved.status_code == 303
    db.expire_all()
    version = db.exec(select(PlanVersion)).one()
    assert (version.number, version.state) == (1, "consultation")
    assert version.snapshot
    assert version.snapshot["items"][0]["agency"] == "กองช่าง"


def test_public_plan_page_shows_published_versions_only(client: TestClient, db: Session) -> None:
    _s, item, agency = _agreed_with_agency(client, db)
    assert client.get("/cities/khon-kaen/plan").context["published"] is None  # type: ignore[attr-defined]
    _save(client, item, 1, agency_id=agency.id)
    post(client, "/staff/plans/khon-kaen/move", {"state": "consultation"})
    client.cookies.clear()
    page = client.get("/cities/khon-kaen/plan")
    assert page.status_code == 200
    assert "ขยายทางเท้า" in page.text
    assert "กองช่าง" in page.text
    assert "รับฟังความคิดเห็น" in page.text
    assert "ทางเท้าริมบึงแคบมาก" in page.text  # the chain back to the idea
    assert "@media print" in client.get("/static/app.css").text


def test_an_adopted_version_is_read_only_and_a_new_draft_is_a_copy(
    client: TestClient, db: Session
) -> None:
    _s, item, agency = _agreed_with_agency(client, db)
    _save(client, item, 1, agency_id=agency.id, budget_planned="1 ล้าน")
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "adopted"}).status_code == 303
    db.expire_all()
    refused = _save(client, item, 2, budget_planned="2,000,000")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "อนุมัติแล้ว" in refused.text  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(PlanItem, item.id).budget_planned == 1_000_000  # type: ignore[union-attr]
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "draft"}).status_code == 303
    assert (
        _save(client, item, 2, agency_id=agency.id, budget_planned="2,000,000").status_code == 303
    )  # type: ignore[attr-defined]
    diff = client.get("/staff/plans/khon-kaen/diff?old=1&new=2")
    assert diff.status_code == 200
    [changed] = diff.context["diff"].changed  # type: ignore[attr-defined]
    assert [(c.field, c.old, c.new) for c in changed.changes] == [
        ("budget_planned", 1_000_000, 2_000_000)
    ]
    assert "2,000,000" in diff.text


def test_second_planner_saving_the_same_item_is_shown_the_other_change(
    client: TestClient, db: Session
) -> None:
    _s, item, _agency = _agreed_with_agency(client, db)
    # Both opened the form at revision 1; the first saves.
    assert _save(client, item, 1, place="ริมบึงแก่นนคร").status_code == 303  # type: ignore[attr-defined]
    late = _save(client, item, 1, place="ถนนมิตรภาพ", reason="ของฉัน")
    assert late.status_code == 409  # type: ignore[attr-defined]
    assert "มีผู้อื่นบันทึก" in late.text  # type: ignore[attr-defined]
    [other] = late.context["stale"]  # type: ignore[attr-defined]
    assert other.changes == {"place": [None, "ริมบึงแก่นนคร"]}
    assert 'value="ถนนมิตรภาพ"' in late.text  # type: ignore[attr-defined]  # nothing typed is lost
    db.expire_all()
    saved = db.get(PlanItem, item.id)
    assert saved is not None
    assert (saved.place, saved.revision) == ("ริมบึงแก่นนคร", 2)
    history = db.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)).all()
    assert len(history) == 2  # created, then the first planner's change


def test_budget_that_does_not_parse_is_refused_and_kept_in_the_form(
    client: TestClient, db: Session
) -> None:
    _s, item, _agency = _agreed_with_agency(client, db)
    response = _save(client, item, 1, budget_planned="สองล้าน")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "สองล้าน" in response.text  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(PlanItem, item.id).budget_planned is None  # type: ignore[union-attr]


def test_reorder_numbers_items_without_gaps(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ก"), (s.second, "ข"), (s.third, "ค"))
    first, second, third = _items(db)
    response = post(client, "/staff/plans/khon-kaen/order", {f"position-{third.id}": "1"})
    assert response.status_code == 303
    assert [i.id for i in _items(db)] == [third.id, first.id, second.id]
    assert [i.priority for i in _items(db)] == [1, 2, 3]


def test_plan_page_queries_do_not_grow_with_items(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ก"))
    client.get("/staff/plans/khon-kaen")  # warm the session
    with recorded_statements(db.connection()) as one:
        assert client.get("/staff/plans/khon-kaen").status_code == 200
    _agree(client, s, (s.second, "ข"), (s.third, "ค"))
    client.get("/staff/plans/khon-kaen")  # the same warm session as above
    with recorded_statements(db.connection()) as three:
        assert client.get("/staff/plans/khon-kaen").status_code == 200
    assert len(three) == len(one), "\n".join(three)
    assert len(three) <= 30


def _published_plan(db: Session, slug: str, count: int, planner: StaffAccount) -> None:
    """A plan of `count` items in public consultation with every level of a chain behind each
    item: a proposal made from an idea (with a comment, a +1 and a theme) or from a theme,
    agreed from a round."""
    workshop = factories.workshop(db, city_slug=slug)
    city_id = workshop.city_id
    writer = factories.participant(db, workshop=workshop)
    fan = factories.participant(db, workshop=workshop, group=StakeholderGroup.business)
    run = ThemeRun(city_id=city_id, workshop_id=workshop.id, version=1, status="done")
    db.add(run)
    db.flush()
    proposals = []
    for n in range(count):
        idea = Idea(
            workshop_id=workshop.id or 0,
            participant_id=writer.id,
            stakeholder_group=StakeholderGroup.resident,
            text=f"ความคิด {n}",
        )
        theme = Theme(
            city_id=city_id, workshop_id=workshop.id, run_id=run.id or 0, label=f"ประเด็น {n}"
        )
        db.add_all([idea, theme])
        db.flush()
        db.add_all(
            [
                Idea(
                    workshop_id=workshop.id or 0,
                    participant_id=fan.id,
                    parent_id=idea.id,
                    stakeholder_group=StakeholderGroup.business,
                    text=f"ต่อยอด {n}",
                ),
                IdeaReaction(idea_id=idea.id or 0, participant_id=fan.id or 0),
                ThemeMember(run_id=run.id or 0, idea_id=idea.id or 0, theme_id=theme.id or 0),
            ]
        )
        from_theme = n % 2 == 1
        proposal = Proposal(
            city_id=city_id,
            workshop_id=workshop.id,
            source_idea_id=None if from_theme else idea.id,
            source_theme_id=theme.id if from_theme else None,
            title=f"ข้อเสนอ {n}",
        )
        db.add(proposal)
        proposals.append(proposal)
    db.commit()
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, status=RoundStatus.closed
    )
    agency = Agency(city_id=city_id, name="กองช่าง")
    plan = Plan(city_id=city_id, title="แผนพัฒนา")
    db.add_all([agency, plan])
    db.flush()
    for n, proposal in enumerate(proposals):
        item = PlanItem(
            plan_id=plan.id or 0,
            proposal_id=proposal.id,
            vote_round_id=vote_round.id,
            title=proposal.title,
            priority=n + 1,
            agency_id=agency.id,
        )
        db.add(item)
        db.flush()
        db.add(
            PlanItemSource(
                item_id=item.id or 0,
                proposal_id=proposal.id or 0,
                vote_round_id=vote_round.id,
                rationale="ทุกกลุ่มเห็นด้วย",
                rank=n + 1,
            )
        )
    plan_record.move(db, plan, "consultation", "", planner)
    db.commit()


def test_plan_pages_send_as_many_statements_for_10_items_as_for_2(
    client: TestClient, db: Session
) -> None:
    planner = factories.account(db, role=Role.planner)
    _published_plan(db, "khon-kaen", 2, planner)
    _published_plan(db, "chiang-rai", 10, planner)
    login(client, planner)
    for page in ("/staff/plans/{}", "/cities/{}/plan"):
        counts = []
        for slug in ("khon-kaen", "chiang-rai"):
            client.get(page.format(slug))  # warm the session
            with recorded_statements(db.connection()) as seen:
                response = client.get(page.format(slug))
            assert response.status_code == 200
            counts.append(len(seen))
        # Every level of the ten chains is on the page: ideas, comments, themes, people.
        for word in ("ความคิด 8", "ต่อยอด 8", "ประเด็น 9", "ข้อเสนอ 9"):
            assert word in response.text, (page, word)
        chains = response.context.get("chains") or response.context["published"].chains  # type: ignore[attr-defined]
        assert [chains[i].people for i in sorted(chains)] == [2] * 10
        assert counts[0] == counts[1], (page, counts)


def test_chains_link_themes_for_staff_and_name_them_for_the_public(
    client: TestClient, db: Session
) -> None:
    planner = factories.account(db, role=Role.planner)
    _published_plan(db, "khon-kaen", 2, planner)
    login(client, planner)
    staff, public = client.get("/staff/plans/khon-kaen"), client.get("/cities/khon-kaen/plan")
    chains = public.context["published"].chains  # type: ignore[attr-defined]
    for item_id, chain in chains.items():
        (step,) = chain.steps
        (theme,) = [t for t in step.themes if t.label.startswith("ประเด็น")]
        link = f'href="/staff/cities/khon-kaen/themes#theme-{theme.id}">{theme.label}</a>'
        assert link in staff.text
        assert f'<details class="chain" id="chain-{item_id}">' in staff.text
        assert f'<details class="chain" id="chain-{item_id}" open>' in public.text
        assert f"rank {step.rank}" in staff.text or f"อันดับ {step.rank}" in staff.text
    assert "/themes#theme-" not in public.text
    assert "ประเด็น 1" in public.text


def test_agency_reads_the_plan_record_but_cannot_change_it(client: TestClient, db: Session) -> None:
    _s, item, _agency = _agreed_with_agency(client, db)
    _monitored, _report, _indicator, agency_account = factories.monitored_item(db)
    login(client, agency_account)
    page = client.get("/staff/plans/khon-kaen")
    assert page.status_code == 200
    assert page.context["can_edit"] is False  # type: ignore[attr-defined]
    assert 'action="/staff/plans/khon-kaen/move"' not in page.text
    assert _save(client, item, 1, place="x").status_code == 403  # type: ignore[attr-defined]


def test_outline_vision_issues_and_goals_go_into_the_version(
    client: TestClient, db: Session
) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ก"))
    url = "/staff/plans/khon-kaen/outline"
    data = {"part": "outline", "title": "แผนพัฒนาท้องถิ่น (พ.ศ. 2566-2570)", "vision": "เมืองน่าอยู่"}
    assert post(client, url, data | {"first_year": "2566", "last_year": "2570"}).status_code == 303
    refused = post(client, url, data | {"first_year": "2570", "last_year": "2566"})
    assert refused.status_code == 422
    assert (
        post(
            client, url, {"part": "issue", "dimension": "mobility", "title": "การเดินทาง"}
        ).status_code
        == 303
    )
    issue_id = client.get("/staff/plans/khon-kaen").context["issues"][0][0].id  # type: ignore[attr-defined]
    assert (
        post(
            client, url, {"part": "goal", "issue_id": issue_id, "title": "เดินได้ทั่วเมือง"}
        ).status_code
        == 303
    )
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "adopted"}).status_code == 303
    db.expire_all()
    version = db.exec(select(PlanVersion)).one()
    assert version.snapshot is not None
    assert version.snapshot["vision"] == "เมืองน่าอยู่"
    assert version.snapshot["issues"] == [
        {"dimension": "mobility", "title": "การเดินทาง", "goals": ["เดินได้ทั่วเมือง"]}
    ]
    assert (
        post(client, url, {"part": "issue", "dimension": "economy", "title": "x"}).status_code
        == 409
    )


def _outline(client: TestClient) -> list[tuple[str, list[str]]]:
    issues = client.get("/staff/plans/khon-kaen").context["issues"]  # type: ignore[attr-defined]
    return [(i.title, [g.title for g in goals]) for i, goals in issues]


def test_issues_and_goals_are_reordered_and_removed_only_in_a_draft(
    client: TestClient, db: Session
) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ก"))
    url = "/staff/plans/khon-kaen/outline"
    for title in ("ทางเท้า", "รถเมล์", "จักรยาน"):
        post(client, url, {"part": "issue", "dimension": "mobility", "title": title})
    post(client, url, {"part": "issue", "dimension": "economy", "title": "ตลาด"})
    ids = {i.title: i.id for i, _g in client.get("/staff/plans/khon-kaen").context["issues"]}  # type: ignore[attr-defined]
    for goal in ("กว้างสองเมตร", "ไม่มีสิ่งกีดขวาง"):
        post(client, url, {"part": "goal", "issue_id": ids["ทางเท้า"], "title": goal})
    assert post(client, url, {"part": "issue-down", "id": ids["ทางเท้า"]}).status_code == 303
    post(client, url, {"part": "issue-up", "id": ids["รถเมล์"]})  # already first: stays
    assert _outline(client) == [
        ("ตลาด", []),
        ("รถเมล์", []),
        ("ทางเท้า", ["กว้างสองเมตร", "ไม่มีสิ่งกีดขวาง"]),
        ("จักรยาน", []),
    ]
    goals = {
        g.title: g.id
        for i, gs in client.get("/staff/plans/khon-kaen").context["issues"]
        for g in gs
    }  # type: ignore[attr-defined]
    post(client, url, {"part": "goal-up", "id": goals["ไม่มีสิ่งกีดขวาง"]})
    assert _outline(client)[2] == ("ทางเท้า", ["ไม่มีสิ่งกีดขวาง", "กว้างสองเมตร"])
    # An item under a goal that goes loses its goal, and its history says so.
    [item] = _items(db)
    assert _save(client, item, 1, goal_id=goals["กว้างสองเมตร"]).status_code == 303
    assert post(client, url, {"part": "issue-remove", "id": ids["ทางเท้า"]}).status_code == 303
    assert [t for t, _g in _outline(client)] == ["ตลาด", "รถเมล์", "จักรยาน"]
    db.expire_all()
    assert db.get(PlanItem, item.id).goal_id is None  # type: ignore[union-attr]
    last = db.exec(
        select(PlanItemChange)
        .where(PlanItemChange.item_id == item.id)
        .order_by(PlanItemChange.revision.desc())  # type: ignore[attr-defined]
    ).first()
    assert last is not None
    assert last.changes == {"goal_id": [goals["กว้างสองเมตร"], None]}
    assert post(client, url, {"part": "goal-remove", "id": 999_999}).status_code == 404
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "adopted"}).status_code == 303
    refused = post(client, url, {"part": "issue-remove", "id": ids["ตลาด"]})
    assert refused.status_code == 409
    assert [t for t, _g in _outline(client)] == ["ตลาด", "รถเมล์", "จักรยาน"]

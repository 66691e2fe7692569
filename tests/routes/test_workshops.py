import csv
import io
import re

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import (
    Ballot,
    Channel,
    Idea,
    IdeaReaction,
    PlanItem,
    Proposal,
    Role,
    RoundStatus,
    StaffAccount,
    Workshop,
    WorkshopEvent,
    WorkshopFacilitator,
    WorkshopPhase,
)
from tests import factories
from tests.helpers import HX, join, login, post

ALL_GROUPS = ["resident", "public_agency", "business", "civil_society", "academia"]


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _facilitator(client: TestClient, db: Session) -> StaffAccount:
    account = factories.account(db, role=Role.facilitator)
    login(client, account)
    return account


def _run(client: TestClient, db: Session) -> tuple[StaffAccount, Workshop]:
    account = _facilitator(client, db)
    return account, factories.workshop(db, facilitators=[account])


# --- creating and editing ------------------------------------------------------------------


def test_new_workshop_form_lists_cities(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    response = client.get("/staff/workshops/new")
    assert response.status_code == 200
    assert len(response.context["cities"]) == 8  # type: ignore[attr-defined]


def test_create_workshop_with_agenda_and_its_creator_as_facilitator(
    client: TestClient, db: Session
) -> None:
    account = _facilitator(client, db)
    form = {
        "city": "nan",
        "title": "  เวทีเมืองน่าน  ",
        "held_on": "2026-12-05",
        "venue": "หอประชุม",
        "language": "th",
        "invited_groups": ["resident", "business"],
    }
    response = post(client, "/staff/workshops", form)
    assert response.status_code == 303
    workshop = db.exec(select(Workshop)).one()
    assert response.headers["location"] == f"/staff/workshops/{workshop.id}"
    assert (workshop.title, workshop.venue, workshop.invited_groups) == (
        "เวทีเมืองน่าน",
        "หอประชุม",
        ["resident", "business"],
    )
    kinds = [p.kind for p in db.exec(select(WorkshopPhase).order_by(WorkshopPhase.position)).all()]
    assert kinds == ["ideation", "themes", "voting", "wrap_up"]
    assert workshop.current_phase_id is not None
    assert db.exec(select(WorkshopFacilitator.account_id)).all() == [account.id]
    console = client.get(response.headers["location"])
    assert workshop.join_code in console.text
    assert "5 ธ.ค. 2569" in console.text


def test_create_workshop_with_bad_fields_is_422_and_keeps_input(
    client: TestClient, db: Session
) -> None:
    _facilitator(client, db)
    base = {"city": "nan", "title": "เวที", "invited_groups": ALL_GROUPS}
    cases = [
        ({**base, "city": ""}, "โปรดเลือกเมือง"),
        ({**base, "title": "   "}, "โปรดตั้งชื่อ"),
        ({**base, "title": "x" * 201}, "201"),
        ({**base, "held_on": "31/02/2569"}, "วันที่"),
        ({**base, "invited_groups": []}, "โปรดเชิญ"),
        ({**base, "language": "fr"}, "ภาษาไทยหรืออังกฤษ"),
    ]
    for form, message in cases:
        response = post(client, "/staff/workshops", form)
        assert response.status_code == 422, form
        assert message in response.text
        assert response.context["form"].title == form["title"]  # type: ignore[attr-defined]
    assert _count(db, Workshop) == 0


def test_edit_workshop_details(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    assert client.get(f"/staff/workshops/{workshop.id}/edit").status_code == 200
    form = {
        "city": "krabi",
        "title": "เวทีกระบี่",
        "venue": "ศาลากลาง",
        "language": "en",
        "invited_groups": ["academia"],
    }
    assert post(client, f"/staff/workshops/{workshop.id}/edit", form).status_code == 303
    db.refresh(workshop)
    assert (workshop.title, workshop.language, workshop.invited_groups) == (
        "เวทีกระบี่",
        "en",
        ["academia"],
    )
    bad = post(client, f"/staff/workshops/{workshop.id}/edit", {**form, "title": ""})
    assert bad.status_code == 422
    db.refresh(workshop)
    assert workshop.title == "เวทีกระบี่"


def test_agenda_add_rename_move_and_remove(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    url = f"/staff/workshops/{workshop.id}"
    assert (
        post(
            client, f"{url}/phases", {"kind": "custom", "title": "", "time_box_minutes": ""}
        ).status_code
        == 422
    )
    assert (
        post(
            client, f"{url}/phases", {"kind": "custom", "title": "พักเบรก", "time_box_minutes": "๑๕"}
        ).status_code
        == 303
    )
    phases = factories.phases(db, workshop)
    added = phases[-1]
    assert (added.title, added.time_box_minutes) == ("พักเบรก", 15)  # Thai digits read too
    assert post(client, f"{url}/phases/{added.id}/move", {"direction": "up"}).status_code == 303
    assert [p.id for p in factories.phases(db, workshop)][-2] == added.id
    assert (
        post(
            client,
            f"{url}/phases/{added.id}",
            {"title": "พักดื่มกาแฟ", "instructions": "กลับมา 10:30", "time_box_minutes": "999"},
        ).status_code
        == 422
    )
    assert (
        post(
            client,
            f"{url}/phases/{added.id}",
            {"title": "พักดื่มกาแฟ", "instructions": "กลับมา 10:30", "time_box_minutes": "20"},
        ).status_code
        == 303
    )
    db.refresh(added)
    assert (added.title, added.instructions, added.time_box_minutes) == (
        "พักดื่มกาแฟ",
        "กลับมา 10:30",
        20,
    )
    assert (
        post(client, f"{url}/phases/{added.id}/move", {"direction": "sideways"}).status_code == 422
    )
    current = workshop.current_phase_id
    assert post(client, f"{url}/phases/{current}/delete").status_code == 409  # the phase being run
    assert post(client, f"{url}/phases/{added.id}/delete").status_code == 303
    assert len(factories.phases(db, workshop)) == 4


def test_phase_of_another_workshop_is_404(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    other = factories.workshop(db)
    foreign = factories.phases(db, other)[0]
    assert (
        post(
            client, f"/staff/workshops/{workshop.id}/phases/{foreign.id}", {"title": "x"}
        ).status_code
        == 404
    )
    assert (
        post(
            client, f"/staff/workshops/{workshop.id}/phase", {"phase_id": str(foreign.id)}
        ).status_code
        == 404
    )


def test_co_facilitators_can_be_added_and_removed(client: TestClient, db: Session, app) -> None:  # type: ignore[no-untyped-def]
    account, workshop = _run(client, db)
    colleague = factories.account(db, role=Role.facilitator)
    planner = factories.account(db, role=Role.planner)
    url = f"/staff/workshops/{workshop.id}/facilitators"
    assert post(client, url, {"email": "nobody@example.test"}).status_code == 422
    assert post(client, url, {"email": planner.email}).status_code == 422
    assert post(client, url, {"email": colleague.email.upper()}).status_code == 303
    with TestClient(app, follow_redirects=False) as second:
        login(second, colleague)
        assert (
            second.get(f"/staff/workshops/{workshop.id}").status_code == 200
        )  # both run it at once
        assert (
            post(second, f"/staff/workshops/{workshop.id}/phase", {"direction": "next"}).status_code
            == 303
        )
    assert post(client, f"{url}/{colleague.id}/remove").status_code == 303
    assert post(client, f"{url}/{account.id}/remove").status_code == 409  # the last one stays
    assert post(client, f"{url}/999999/remove").status_code == 404


def test_facilitator_of_another_workshop_is_forbidden(client: TestClient, db: Session) -> None:
    outsider = _facilitator(client, db)
    factories.workshop(db, facilitators=[outsider])  # runs a workshop of the city, not this one
    workshop = factories.workshop(db, facilitators=[factories.account(db)])
    assert client.get(f"/staff/workshops/{workshop.id}").status_code == 403
    assert (
        post(client, f"/staff/workshops/{workshop.id}/phase", {"direction": "next"}).status_code
        == 403
    )


def test_dashboard_lists_only_my_workshops(client: TestClient, db: Session) -> None:
    account = _facilitator(client, db)
    mine = factories.workshop(db, title="ของฉัน", facilitators=[account])
    factories.workshop(db, title="ของคนอื่น", facilitators=[factories.account(db)])
    listed = [w.id for w, _city in client.get("/staff").context["workshops"]]  # type: ignore[attr-defined]
    assert listed == [mine.id]


# --- running it live ---------------------------------------------------------------------


def test_console_and_projector(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    factories.idea(db, workshop=workshop, text="ต้นไม้ริมถนน")
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert console.status_code == 200
    assert console.context["counts"]["resident"] == {"participants": 0, "ideas": 1}  # type: ignore[attr-defined]
    assert "data-live-url" in console.text
    projector = client.get(f"/staff/workshops/{workshop.id}/projector")
    assert projector.status_code == 200
    assert "<svg" in projector.text
    assert workshop.join_code in projector.text
    assert "ต้นไม้ริมถนน" in projector.text


def test_next_and_previous_phase_restart_the_time_box(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    phases = factories.phases(db, workshop)
    phases[1].time_box_minutes = 10
    db.add(phases[1])
    db.commit()
    response = post(
        client, f"/staff/workshops/{workshop.id}/phase", {"direction": "next"}, headers=HX
    )
    assert response.status_code == 200
    assert response.template.name == "workshops/_run_panel.html"  # type: ignore[attr-defined]
    db.refresh(workshop)
    assert (workshop.current_phase_id, workshop.timer_remaining_seconds) == (phases[1].id, 600)
    post(client, f"/staff/workshops/{workshop.id}/phase", {"direction": "previous"})
    post(
        client, f"/staff/workshops/{workshop.id}/phase", {"direction": "previous"}
    )  # stays at the start
    db.refresh(workshop)
    assert workshop.current_phase_id == phases[0].id
    assert (
        post(client, f"/staff/workshops/{workshop.id}/phase", {"direction": "up"}).status_code
        == 422
    )


def test_timer_start_pause_resume_reset(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    url = f"/staff/workshops/{workshop.id}/timer"
    assert post(client, url, {"action": "start", "minutes": "0"}).status_code == 422
    assert post(client, url, {"action": "start", "minutes": "abc"}).status_code == 422
    assert post(client, url, {"action": "start"}).status_code == 422  # nothing to resume
    assert post(client, url, {"action": "start", "minutes": "5"}).status_code == 303
    db.refresh(workshop)
    assert workshop.timer_ends_at is not None
    post(client, url, {"action": "pause"})
    db.refresh(workshop)
    assert workshop.timer_ends_at is None
    assert 295 <= (workshop.timer_remaining_seconds or 0) <= 300
    post(client, url, {"action": "start"})
    db.refresh(workshop)
    assert workshop.timer_ends_at is not None
    post(client, url, {"action": "reset"})
    db.refresh(workshop)
    assert (workshop.timer_ends_at, workshop.timer_remaining_seconds) == (None, None)
    assert post(client, url, {"action": "explode"}).status_code == 422


def test_pause_and_reopen_posting(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    url = f"/staff/workshops/{workshop.id}/posting"
    assert post(client, url, {"locked": "1"}).status_code == 303
    db.refresh(workshop)
    assert workshop.posting_locked
    assert post(client, url, {"locked": "maybe"}).status_code == 422
    post(client, url, {"locked": "0"})
    db.refresh(workshop)
    assert not workshop.posting_locked


def test_close_workshop_asks_first_and_writes_nothing_until_confirmed(
    client: TestClient, db: Session
) -> None:
    _, workshop = _run(client, db)
    url = f"/staff/workshops/{workshop.id}/status"
    page = post(client, url, {"status": "closed"})
    assert page.status_code == 200
    assert page.template.name == "staff/confirm.html"  # type: ignore[attr-defined]
    assert page.context["confirm"]["fields"] == {"status": "closed"}  # type: ignore[attr-defined]
    assert 'name="confirm" value="yes"' in page.text
    partial = post(client, url, {"status": "closed"}, headers={"HX-Request": "true"})
    assert partial.template.name == "staff/_confirm.html"  # type: ignore[attr-defined]
    db.refresh(workshop)
    assert workshop.status == "open"
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert 'data-confirm="confirm-close-workshop"' in console.text
    assert '<dialog id="confirm-close-workshop"' in console.text


def test_close_workshop_then_reopen(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    assert (
        post(
            client, f"/staff/workshops/{workshop.id}/status", {"status": "closed", "confirm": "yes"}
        ).status_code
        == 303
    )
    db.refresh(workshop)
    assert workshop.status == "closed"
    assert (
        post(client, f"/staff/workshops/{workshop.id}/status", {"status": "paused"}).status_code
        == 422
    )
    assert (
        post(client, f"/staff/workshops/{workshop.id}/status", {"status": "open"}).status_code
        == 303
    )
    db.refresh(workshop)
    assert workshop.status == "open"


def test_every_live_change_appends_an_event(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    post(client, f"/staff/workshops/{workshop.id}/phase", {"direction": "next"})
    post(client, f"/staff/workshops/{workshop.id}/posting", {"locked": "1"})
    post(
        client,
        f"/staff/workshops/{workshop.id}/paper-ideas",
        {"text": "โน้ต", "stakeholder_group": "resident"},
    )
    events = db.exec(
        select(WorkshopEvent)
        .where(WorkshopEvent.workshop_id == workshop.id)
        .order_by(WorkshopEvent.seq)
    ).all()
    assert [(e.seq, e.kind) for e in events] == [(1, "state"), (2, "state"), (3, "idea")]
    db.refresh(workshop)
    assert workshop.event_seq == 3


# --- paper notes -----------------------------------------------------------------------------


def test_paper_note_is_marked_as_paper_with_its_table(client: TestClient, db: Session) -> None:
    account, workshop = _run(client, db)
    form = {"text": "ไฟส่องสว่างซอย 3", "stakeholder_group": "public_agency", "table_number": "๗"}
    response = post(client, f"/staff/workshops/{workshop.id}/paper-ideas", form, headers=HX)
    assert response.status_code == 200
    assert response.template.name == "workshops/_paper_form.html"  # type: ignore[attr-defined]
    assert response.context["paper"] == {"text": "", "group": "public_agency", "table": "๗"}  # type: ignore[attr-defined]
    idea = db.exec(select(Idea)).one()
    assert (
        idea.channel,
        idea.stakeholder_group,
        idea.entered_by_id,
        idea.participant_id,
        idea.table_number,
    ) == (Channel.paper, "public_agency", account.id, None, 7)


def test_bulk_paste_makes_one_note_per_line(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    pasted = "ทางเท้าแตก\n\n  ไฟดับซอย 5  \r\nขยะล้นถัง\n"
    form = {"text": pasted, "stakeholder_group": "resident", "table_number": "2"}
    assert post(client, f"/staff/workshops/{workshop.id}/paper-ideas", form).status_code == 303
    texts = [i.text for i in db.exec(select(Idea).order_by(Idea.id)).all()]
    assert texts == ["ทางเท้าแตก", "ไฟดับซอย 5", "ขยะล้นถัง"]


def test_bulk_paste_with_a_bad_line_saves_nothing(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    pasted = "ดี\n" + "ก" * 1001 + "\nดีอีก"
    form = {"text": pasted, "stakeholder_group": "resident"}
    response = post(client, f"/staff/workshops/{workshop.id}/paper-ideas", form, headers=HX)
    assert response.status_code == 422
    assert "บรรทัดที่ 2" in response.text
    assert response.context["paper"]["text"] == pasted  # type: ignore[attr-defined]
    assert _count(db, Idea) == 0


def test_paper_note_errors_keep_the_text(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    url = f"/staff/workshops/{workshop.id}/paper-ideas"
    response = post(client, url, {"text": "ไฟดับ", "stakeholder_group": ""})
    assert response.status_code == 422
    assert response.context["paper"]["text"] == "ไฟดับ"  # type: ignore[attr-defined]
    assert (
        post(client, url, {"text": "", "stakeholder_group": "resident"}, headers=HX).status_code
        == 422
    )
    assert (
        post(
            client, url, {"text": "x", "stakeholder_group": "resident", "table_number": "abc"}
        ).status_code
        == 422
    )
    assert (
        post(
            client, url, {"text": "x", "stakeholder_group": "resident", "table_number": "0"}
        ).status_code
        == 422
    )
    assert _count(db, Idea) == 0


# --- moderation -------------------------------------------------------------------------------


def test_hide_with_reason_and_restore(client: TestClient, db: Session) -> None:
    account, workshop = _run(client, db)
    idea = factories.idea(db, workshop=workshop, text="โฆษณาขายของ")
    url = f"/staff/workshops/{workshop.id}/ideas/{idea.id}"
    assert post(client, f"{url}/hide", {"reason": " "}).status_code == 422
    response = post(client, f"{url}/hide", {"reason": "สแปม"}, headers=HX)
    assert response.status_code == 200
    assert response.template.name == "workshops/_console_ideas.html"  # type: ignore[attr-defined]
    db.refresh(idea)
    assert (idea.hidden, idea.hidden_reason, idea.hidden_by_id) == (True, "สแปม", account.id)
    assert "โฆษณาขายของ" not in client.get(f"/w/{workshop.join_code}").text
    assert "สแปม" in client.get(f"/staff/workshops/{workshop.id}").text
    post(client, f"{url}/restore")
    db.refresh(idea)
    assert (idea.hidden, idea.hidden_reason) == (False, None)


def test_correct_a_typo_keeps_the_original(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    idea = factories.idea(db, workshop=workshop, text="ถนนชำรุตมาก")
    url = f"/staff/workshops/{workshop.id}/ideas/{idea.id}/edit"
    form_page = client.get(url, headers=HX)
    assert form_page.template.name == "workshops/_edit_idea.html"  # type: ignore[attr-defined]
    assert client.get(url).template.name == "workshops/edit_idea.html"  # type: ignore[attr-defined]
    assert post(client, url, {"text": "ถนนชำรุดมาก"}).status_code == 303
    post(client, url, {"text": "ถนนชำรุดมากครับ"})
    db.refresh(idea)
    assert (idea.text, idea.original_text) == ("ถนนชำรุดมากครับ", "ถนนชำรุตมาก")
    assert idea.edited_at is not None
    bad = post(client, url, {"text": ""}, headers=HX)
    assert bad.status_code == 422
    db.refresh(idea)
    assert idea.text == "ถนนชำรุดมากครับ"


def test_merge_duplicates_into_the_root(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    first = factories.idea(db, workshop=workshop, text="อยากได้สวนสาธารณะ")
    second = factories.idea(db, workshop=workshop, text="ขอสวนสาธารณะ")
    third = factories.idea(db, workshop=workshop, text="สวนสาธารณะใกล้บ้าน")
    url = f"/staff/workshops/{workshop.id}/ideas"
    assert post(client, f"{url}/{second.id}/duplicate", {"of": str(first.id)}).status_code == 303
    assert (
        post(client, f"{url}/{first.id}/duplicate", {"of": str(third.id)}).status_code == 303
    )  # chains flatten
    db.refresh(second)
    db.refresh(first)
    assert (first.duplicate_of_id, second.duplicate_of_id) == (third.id, third.id)
    assert (
        post(client, f"{url}/{third.id}/duplicate", {"of": str(first.id)}).status_code == 422
    )  # itself
    assert post(client, f"{url}/{third.id}/duplicate", {"of": "x"}).status_code == 422
    wall = client.get(f"/w/{workshop.join_code}").text
    assert re.findall(r'<li id="idea-(\d+)" class="idea', wall) == [str(third.id)]
    assert "รวมความคิดเห็นที่คล้ายกัน 2 รายการ" in wall
    post(client, f"{url}/{second.id}/unduplicate")
    db.refresh(second)
    assert second.duplicate_of_id is None


def test_merge_into_a_missing_number_shows_the_error_at_the_merge_field(
    client: TestClient, db: Session
) -> None:
    _, workshop = _run(client, db)
    idea = factories.idea(db, workshop=workshop, text="ขอสวนสาธารณะ")
    url = f"/staff/workshops/{workshop.id}/ideas/{idea.id}/duplicate"
    answer = post(client, url, {"of": "999999"}, headers=HX)
    assert answer.status_code == 422
    assert answer.template.name == "workshops/_console_ideas.html"  # type: ignore[attr-defined]
    assert answer.context["item_errors"] == {  # type: ignore[attr-defined]
        idea.id: "ไม่มีความคิดเห็นหมายเลข 999999 ในการประชุมนี้"
    }
    assert f'id="dup-error-{idea.id}"' in answer.text
    assert 'class="flash"' not in answer.text  # no stale "merged" beside it
    plain = post(client, url, {"of": "999999"})
    assert plain.status_code == 422
    assert plain.template.name == "workshops/console.html"  # type: ignore[attr-defined]
    db.refresh(idea)
    assert idea.duplicate_of_id is None


def test_moderating_an_idea_of_another_workshop_is_404(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    foreign = factories.idea(db, workshop=factories.workshop(db))
    url = f"/staff/workshops/{workshop.id}/ideas/{foreign.id}"
    assert post(client, f"{url}/hide", {"reason": "x"}).status_code == 404
    assert post(client, f"{url}/edit", {"text": "x"}).status_code == 404
    assert post(client, f"{url}/promote").status_code == 404
    assert client.get(f"{url}/edit").status_code == 404


def test_console_ideas_partial(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    factories.idea(db, workshop=workshop, text="ไอเดีย")
    partial = client.get(f"/staff/workshops/{workshop.id}/ideas", headers=HX)
    assert partial.template.name == "workshops/_console_ideas.html"  # type: ignore[attr-defined]


# --- proposals, vote and priorities (skeleton) -------------------------------------------------


def test_promote_idea_twice_makes_one_proposal(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    idea = factories.idea(db, workshop=workshop, text="บรรทัดแรกเป็นชื่อ\nรายละเอียดเพิ่มเติม")
    for _ in range(2):
        response = post(
            client, f"/staff/workshops/{workshop.id}/ideas/{idea.id}/promote", headers=HX
        )
        assert response.status_code == 200
    proposal = db.exec(select(Proposal)).one()
    assert (proposal.title, proposal.source_idea_id, proposal.city_id) == (
        "บรรทัดแรกเป็นชื่อ",
        idea.id,
        workshop.city_id,
    )
    assert response.template.name == "workshops/_promoted.html"  # type: ignore[attr-defined]
    assert f'id="idea-{idea.id}" class="idea" hx-swap-oob="true"' in response.text


def test_console_lists_rounds_and_links_to_a_new_one(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    vote_round = factories.vote_round(db, workshop=workshop)
    html = client.get(f"/staff/workshops/{workshop.id}").text
    assert f'href="/staff/rounds/{vote_round.id}"' in html
    assert f'href="/staff/workshops/{workshop.id}/rounds/new"' in html


def test_agreed_priorities_become_plan_items_in_vote_order(client: TestClient, db: Session) -> None:
    account, workshop = _run(client, db)
    low = factories.proposal(db, workshop=workshop, title="น้อย")
    high = factories.proposal(db, workshop=workshop, title="มาก")
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=[low, high], status=RoundStatus.open
    )
    for i, chosen in enumerate([[high], [high], [high, low]]):
        db.add(
            Ballot(
                id=f"b{i}",
                round_id=vote_round.id or 0,
                voter_key=f"k{i}",
                stakeholder_group="resident",  # type: ignore[arg-type]
                marks={str(p.id): 1 for p in chosen},
                receipt_hash=f"r{i}",
            )
        )
    db.commit()
    url = f"/staff/workshops/{workshop.id}"
    assert post(client, f"{url}/priorities", {"proposal_id": [low.id, high.id]}).status_code == 409
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    response = post(client, f"{url}/priorities", {"proposal_id": [low.id, high.id]}, headers=HX)
    assert response.status_code == 200
    items = db.exec(select(PlanItem).order_by(PlanItem.priority)).all()
    assert [
        (i.priority, i.proposal_id, i.votes, i.vote_round_id, i.created_by_id) for i in items
    ] == [(1, high.id, 3, vote_round.id, account.id), (2, low.id, 1, vote_round.id, account.id)]
    db.refresh(high)
    assert high.status == "agreed"
    post(client, f"{url}/priorities", {"proposal_id": [high.id]})
    assert _count(db, PlanItem) == 2


def test_agree_priorities_validation(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    foreign = factories.proposal(db, workshop=factories.workshop(db))
    url = f"/staff/workshops/{workshop.id}/priorities"
    assert post(client, url, {}).status_code == 422
    assert post(client, url, {"proposal_id": foreign.id}).status_code == 404
    assert post(client, url, {"proposal_id": "x"}).status_code == 422
    assert _count(db, PlanItem) == 0


def test_participant_sees_the_vote_card_when_a_round_opens(
    client: TestClient, db: Session, app
) -> None:  # type: ignore[no-untyped-def]
    _, workshop = _run(client, db)
    vote_round = factories.vote_round(db, workshop=workshop)
    assert post(client, f"/staff/rounds/{vote_round.id}/open").status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        join(phone, workshop)
        page = phone.get(f"/w/{workshop.join_code}/ballot", headers=HX)
        assert f'href="/w/{workshop.join_code}/vote"' in page.text


# --- after the session ---------------------------------------------------------------------------


def test_export_every_idea_and_comment_as_csv_and_xlsx(client: TestClient, db: Session) -> None:
    import openpyxl

    from tests.statements import recorded_statements

    _, workshop = _run(client, db)
    resident = factories.participant(db, workshop=workshop)
    idea = factories.idea(db, workshop=workshop, participant=resident, text="=HYPERLINK(1)")
    comment = factories.idea(db, workshop=workshop, participant=resident, text="ความเห็น")
    comment.parent_id = idea.id
    paper = factories.idea(db, workshop=workshop, channel=Channel.paper, group="business")
    paper.table_number = 4
    hidden = factories.idea(db, workshop=workshop, text="ซ่อนไว้")
    hidden.hidden = True
    db.add_all([comment, paper, hidden])
    db.add(IdeaReaction(idea_id=idea.id, participant_id=resident.id))
    db.commit()
    url = f"/staff/workshops/{workshop.id}/ideas"
    with recorded_statements(db.connection()) as statements:
        answer = client.get(f"{url}.csv")
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == ["'=HYPERLINK(1)", "ความเห็น", "อยากให้มีทางเท้าที่ดี"]
    first, second, third = rows
    assert (first["kind"], first["plus_ones"], first["channel"]) == ("idea", "1", "phone")
    assert (second["kind"], second["comment_on"]) == ("comment", str(idea.id))
    assert (third["channel"], third["table_number"], third["stakeholder_group"]) == (
        "paper",
        "4",
        "business",
    )
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/25\d\d \d\d:\d\d", first["time"])  # B.E., local
    ideas_statements = [s for s in statements if "FROM idea" in s or "theme" in s]
    assert 3 <= len(ideas_statements) <= 4  # ideas, +1s, theme run (and its members)
    xlsx = client.get(f"{url}.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cell = sheet["D2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")  # text, never a formula
    assert sheet.max_row == 4


def test_console_and_projector_sort_and_filter_the_wall(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    liked = factories.idea(db, workshop=workshop, text="มีคนชอบมาก")
    factories.idea(db, workshop=workshop, text="ใหม่ที่สุด", group="business")
    paper = factories.idea(db, workshop=workshop, text="จากกระดาษ", channel=Channel.paper)
    for _ in range(2):
        fan = factories.participant(db, workshop=workshop)
        db.add(IdeaReaction(idea_id=liked.id, participant_id=fan.id))
    db.commit()
    base = f"/staff/workshops/{workshop.id}"

    def texts(url: str) -> list[str]:
        answer = client.get(url)
        assert answer.status_code == 200
        return [i.idea.text for i in answer.context["items"]]  # type: ignore[attr-defined]

    assert texts(base) == ["จากกระดาษ", "ใหม่ที่สุด", "มีคนชอบมาก"]
    assert texts(f"{base}?sort=plus")[0] == "มีคนชอบมาก"
    assert texts(f"{base}/ideas?group=business") == ["ใหม่ที่สุด"]
    assert texts(f"{base}/projector?paper=1") == [paper.text]
    assert texts(f"{base}?sort=loudest&group=aliens") == texts(base)  # unknown: the default
    partial = client.get(f"{base}/projector/wall?sort=plus&paper=1")
    assert partial.template.name == "workshops/_projector_list.html"  # type: ignore[attr-defined]
    assert "data-refetch" in partial.text  # live inserts would break the order: refetch
    refetch = f'hx-get="/staff/workshops/{workshop.id}/projector/wall?sort=plus&amp;paper=1"'
    assert refetch in partial.text


def test_spotlight_one_idea_on_the_projector_then_back(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    idea = factories.idea(db, workshop=workshop, text="ขยายทางเท้าถนนมิตรภาพ")
    url = f"/staff/workshops/{workshop.id}/spotlight"
    projector = f"/staff/workshops/{workshop.id}/projector"
    assert client.get(projector).context["spotlight"] is None  # type: ignore[attr-defined]
    assert post(client, url, {"idea_id": str(idea.id)}).status_code == 303
    shown = client.get(projector)
    assert shown.context["spotlight"].id == idea.id  # type: ignore[attr-defined]
    assert 'class="spotlight-text"' in shown.text
    answer = post(client, url, {"idea_id": ""}, headers=HX)
    assert answer.context["spotlight_id"] is None  # type: ignore[attr-defined]
    assert client.get(projector).context["spotlight"] is None  # type: ignore[attr-defined]
    foreign = factories.idea(db, workshop=factories.workshop(db))
    assert post(client, url, {"idea_id": str(foreign.id)}).status_code == 404


def test_participation_report_per_group_and_table(client: TestClient, db: Session) -> None:
    _, workshop = _run(client, db)
    resident = factories.participant(db, workshop=workshop)
    factories.participant(db, workshop=workshop)  # joined, never posted
    idea = factories.idea(db, workshop=workshop, participant=resident)
    comment = factories.idea(db, workshop=workshop, participant=resident, text="ความเห็น")
    comment.parent_id = idea.id
    db.add(comment)
    paper = factories.idea(db, workshop=workshop, channel=Channel.paper, group="business")
    paper.table_number = 4
    db.add(paper)
    db.add(IdeaReaction(idea_id=idea.id, participant_id=resident.id))
    db.commit()
    page = client.get(f"/staff/workshops/{workshop.id}/report")
    assert page.status_code == 200
    report = page.context["report"]  # type: ignore[attr-defined]
    residents = report.groups[0]
    assert (residents.participants, residents.active_participants) == (2, 1)
    assert (residents.phone_ideas, residents.comments, residents.reactions) == (1, 1, 1)
    assert [(t.table_number, t.stakeholder_group, t.paper_ideas) for t in report.tables] == [
        (4, "business", 1)
    ]
    csv_response = client.get(f"/staff/workshops/{workshop.id}/report.csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    total = next(r for r in rows if r["stakeholder_group"] == "total")
    assert (total["participants"], total["paper_ideas"]) == ("2", "1")
    assert any(r["section"] == "table" and r["table_number"] == "4" for r in rows)

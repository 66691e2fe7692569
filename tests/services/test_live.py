"""The change feed and the fragments rendered from it for phones, projector and console."""

import asyncio
from pathlib import Path

import pytest
from sqlmodel import Session

from app.db import make_engine
from app.live import END, EventRef, LiveHub, events_between, sse_message
from app.models import Channel, Workshop
from app.routes.streams import FragmentCache, render_event
from app.services import ideas as idea_service
from app.services import live
from tests import factories
from tests.databases import migrate, scratch_database


def test_emit_numbers_events_per_workshop(db: Session) -> None:
    first, second = factories.workshop(db), factories.workshop(db)
    assert [live.emit(db, first.id or 0, live.Kind.STATE) for _ in range(3)] == [1, 2, 3]
    assert live.emit(db, second.id or 0, live.Kind.JOINED, 7) == 1
    events = live.events_after(db, [first.id or 0, second.id or 0], {first.id or 0: 1})
    assert [(e.workshop_id, e.seq) for e in events] == [
        (first.id, 2),
        (first.id, 3),
        (second.id, 1),
    ]
    assert live.current_seq(db, first.id or 0) == 3
    assert live.current_seq(db, 999_999) == 0


def test_sse_message_prefixes_every_line() -> None:
    assert sse_message(4, "<p>a</p>\n<p>b</p>") == "id: 4\ndata: <p>a</p>\ndata: <p>b</p>\n\n"
    assert sse_message(5, "") == "id: 5\ndata: \n\n"


def _event(db: Session, workshop: Workshop, kind: str, subject: int | None = None) -> EventRef:
    seq = live.emit(db, workshop.id or 0, kind, subject)
    return EventRef(workshop.id or 0, seq, kind, subject)


def test_new_idea_fragment_for_each_view(db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, text="ปลูกต้นไม้ริมคลอง")
    event = _event(db, workshop, live.Kind.IDEA, idea.id)
    phone = render_event(db, workshop.id or 0, event, "participant")
    assert 'hx-swap-oob="afterbegin:#wall-list"' in phone
    assert f'id="idea-{idea.id}"' in phone
    assert "ปลูกต้นไม้ริมคลอง" in phone
    assert '<span id="wall-count" hx-swap-oob="true">1</span>' in phone
    console = render_event(db, workshop.id or 0, event, "console")
    assert "/hide" in console
    assert 'id="counts"' in console
    projector = render_event(db, workshop.id or 0, event, "projector")
    assert "projector-card" in projector
    assert "/hide" not in projector


def test_comment_fragment_goes_under_its_idea(db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    comment = factories.idea(db, workshop=workshop, text="เห็นด้วยครับ")
    comment.parent_id = idea.id
    db.add(comment)
    db.commit()
    html = render_event(
        db, workshop.id or 0, _event(db, workshop, live.Kind.IDEA, comment.id), "participant"
    )
    assert f'hx-swap-oob="beforeend:#idea-{idea.id}-comments"' in html
    assert f'<span id="idea-{idea.id}-ccount" hx-swap-oob="true">1</span>' in html


def test_hidden_idea_renders_nothing(db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    idea.hidden = True
    db.add(idea)
    db.commit()
    assert (
        render_event(
            db, workshop.id or 0, _event(db, workshop, live.Kind.IDEA, idea.id), "participant"
        )
        == ""
    )


def test_state_fragment_follows_the_phase(db: Session) -> None:
    workshop = factories.workshop(db)
    workshop.current_phase_id = factories.phases(db, workshop)[2].id  # voting
    workshop.posting_locked = True
    db.add(workshop)
    db.commit()
    html = render_event(db, workshop.id or 0, _event(db, workshop, live.Kind.STATE), "participant")
    assert 'id="phase-panel" aria-live="polite"' in html
    assert 'hx-swap-oob="true"' in html
    assert 'data-mode="voting" data-order="ballot-area idea-form wall"' in html  # ballot first
    assert "ลงคะแนน" in html
    assert "หยุดรับความคิดเห็นชั่วคราว" in html


def test_wall_fragment_is_shared_and_vote_fragment_asks_each_phone_to_refetch(db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, text="ยังอยู่บนกระดาน")
    idea_service.edit(db, workshop, idea.id or 0, "ยังอยู่บนกระดาน แก้คำผิดแล้ว")
    event = _event(db, workshop, live.Kind.WALL, idea.id)
    wall = render_event(db, workshop.id or 0, event, "participant")
    assert f'<li id="idea-{idea.id}" class="idea" hx-swap-oob="true">' in wall
    assert "แก้คำผิดแล้ว" in wall
    assert 'aria-pressed="true"' not in wall  # nobody's own +1 in a shared fragment
    vote = render_event(db, workshop.id or 0, _event(db, workshop, live.Kind.VOTE), "participant")
    assert f'hx-get="/w/{workshop.join_code}/ballot" hx-trigger="load"' in vote


def test_moderation_changes_only_the_ideas_it_touched(db: Session) -> None:
    """Phones that loaded older pages keep them: a moderation never resends the whole wall."""
    workshop = factories.workshop(db)
    staff = factories.account(db)
    kept = factories.idea(db, workshop=workshop, text="ข้อที่ยังอยู่")
    hidden = factories.idea(db, workshop=workshop, text="ข้อที่ถูกซ่อน")
    merged = factories.idea(db, workshop=workshop, text="ข้อซ้ำ")
    comment = factories.idea(db, workshop=workshop, text="ความเห็นที่ถูกซ่อน")
    comment.parent_id = kept.id
    db.add(comment)
    db.commit()

    def phone_after(idea_id: int | None) -> str:
        return render_event(
            db, workshop.id or 0, _event(db, workshop, live.Kind.WALL, idea_id), "participant"
        )

    idea_service.hide(db, workshop, hidden.id or 0, reason="ข้อความไม่สุภาพ", by=staff)
    html = phone_after(hidden.id)
    assert 'id="wall-list"' not in html
    assert f'<li id="idea-{hidden.id}" hx-swap-oob="delete"></li>' in html
    assert "ข้อที่ยังอยู่" not in html

    idea_service.mark_duplicate(db, workshop, merged.id or 0, kept.id or 0)
    html = phone_after(merged.id)
    assert f'<li id="idea-{merged.id}" hx-swap-oob="delete"></li>' in html
    assert f'<li id="idea-{kept.id}" class="idea" hx-swap-oob="true">' in html
    assert "รวมความคิดเห็นที่คล้ายกัน 1 รายการ" in html

    idea_service.hide(db, workshop, comment.id or 0, reason="นอกเรื่อง", by=staff)
    html = phone_after(comment.id)
    assert f'<li id="idea-{kept.id}" class="idea" hx-swap-oob="true">' in html
    assert "ความเห็นที่ถูกซ่อน" not in html

    idea_service.restore(db, workshop, hidden.id or 0)
    html = phone_after(hidden.id)
    assert f'<li id="idea-{hidden.id}" class="idea" hx-swap-oob="true">' in html
    assert 'id="wall-count" hx-swap-oob="true">2<' in html


def test_reaction_fragment_updates_the_count(db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, channel=Channel.paper)
    html = render_event(
        db, workshop.id or 0, _event(db, workshop, live.Kind.REACTION, idea.id), "projector"
    )
    assert f'<span id="idea-{idea.id}-plus" hx-swap-oob="true">0</span>' in html


def test_fragment_cache_renders_once_for_many_listeners() -> None:
    calls = []

    async def render() -> str:
        calls.append(1)
        await asyncio.sleep(0)  # the others ask while this one renders
        return "<p>x</p>"

    async def main() -> list[str]:
        cache = FragmentCache(size=2)
        results = await asyncio.gather(
            *(cache.get((1, 1, "participant", "th"), render) for _ in range(50))
        )
        await cache.get((1, 2, "participant", "th"), render)
        await cache.get((1, 3, "participant", "th"), render)
        await cache.get((1, 1, "participant", "th"), render)  # evicted: rendered again
        return results

    assert asyncio.run(main()) == ["<p>x</p>"] * 50
    assert len(calls) == 4


def test_a_listener_leaving_mid_render_does_not_strand_the_others() -> None:
    """The first listener starts the render and goes away (its phone left: the stream is
    cancelled); the listeners waiting for the same fragment still get it, and later ones too."""
    started, release = asyncio.Event(), asyncio.Event()

    async def render() -> str:
        started.set()
        await release.wait()
        return "<p>x</p>"

    async def main() -> tuple[str, str]:
        cache = FragmentCache()
        key = (1, 1, "participant", "th")
        first = asyncio.ensure_future(cache.get(key, render))
        await started.wait()
        second = asyncio.ensure_future(cache.get(key, render))
        first.cancel()
        await asyncio.sleep(0)
        release.set()
        waited = await asyncio.wait_for(second, timeout=5)
        later = await asyncio.wait_for(cache.get(key, render), timeout=5)
        return waited, later

    assert asyncio.run(main()) == ("<p>x</p>", "<p>x</p>")


def test_a_failed_render_is_rendered_again_by_the_next_listener() -> None:
    calls: list[int] = []

    async def render() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return "<p>x</p>"

    async def main() -> str:
        cache = FragmentCache()
        key = (1, 1, "participant", "th")
        with pytest.raises(RuntimeError):
            await cache.get(key, render)
        return await cache.get(key, render)

    assert asyncio.run(main()) == "<p>x</p>"
    assert len(calls) == 2


@pytest.fixture
def committed_engine(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A separate, migrated database where writes really commit, as with several workers."""
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def test_hub_hands_committed_events_to_subscribers(committed_engine) -> None:  # type: ignore[no-untyped-def]
    with Session(committed_engine) as session:
        workshop = factories.workshop(session)
        workshop_id = workshop.id or 0

    async def main() -> list[EventRef]:
        hub = LiveHub(committed_engine, interval=0.01)
        received = []
        async with hub.subscribe(workshop_id) as queue:
            assert hub.listeners(workshop_id) == 1
            with Session(committed_engine) as session:  # another "worker" writes
                live.emit(session, workshop_id, live.Kind.STATE)
                live.emit(session, workshop_id, live.Kind.JOINED, 3)
                session.commit()
            await hub.poll_once()
            received = [queue.get_nowait(), queue.get_nowait()]
            assert queue.empty()
        assert hub.listeners(workshop_id) == 0
        return received

    events = asyncio.run(main())
    assert [(e.seq, e.kind, e.subject_id) for e in events] == [(1, "state", None), (2, "joined", 3)]
    assert [e.seq for e in events_between(committed_engine, workshop_id, 1)] == [2]


def test_hub_ends_a_stream_that_falls_too_far_behind(committed_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("app.live.QUEUE_SIZE", 2)
    with Session(committed_engine) as session:
        workshop_id = factories.workshop(session).id or 0

    async def main() -> EventRef:
        hub = LiveHub(committed_engine)
        async with hub.subscribe(workshop_id) as queue:
            with Session(committed_engine) as session:
                for _ in range(3):
                    live.emit(session, workshop_id, live.Kind.STATE)
                session.commit()
            await hub.poll_once()
            items = [queue.get_nowait() for _ in range(queue.qsize())]
            return items[-1]

    assert asyncio.run(main()) is END


def test_joins_render_nothing_for_phones_but_update_the_console(db: Session) -> None:
    workshop = factories.workshop(db)
    event = _event(db, workshop, live.Kind.JOINED, 1)
    assert render_event(db, workshop.id or 0, event, "participant") == ""
    assert 'id="counts"' in render_event(db, workshop.id or 0, event, "console")


def _latest(db: Session, workshop: Workshop) -> EventRef:
    [event] = live.events_after(
        db, [workshop.id or 0], {workshop.id or 0: live.current_seq(db, workshop.id or 0) - 1}
    )
    return EventRef(event.workshop_id, event.seq, event.kind, event.subject_id)


def test_a_round_closed_by_the_settler_swaps_phones_and_projector_to_results(
    db: Session,
) -> None:
    from datetime import timedelta

    from app.models import Ballot, RoundStatus, utcnow
    from app.services import voting

    workshop = factories.workshop(db)
    vote_round = factories.vote_round(
        db, workshop=workshop, status=RoundStatus.open, closes_at=utcnow() - timedelta(seconds=1)
    )
    [first, _second] = voting.ballot_entries(db, vote_round)
    db.add(
        Ballot(
            id="b1",
            round_id=vote_round.id or 0,
            voter_key="k1",
            stakeholder_group="resident",
            marks={str(first.proposal.id): 1},
            receipt_hash="r1",
        )
    )
    db.flush()
    before = live.current_seq(db, workshop.id or 0)
    assert voting.settle_due(db, utcnow()) == [vote_round.id]
    assert live.current_seq(db, workshop.id or 0) == before + 1
    event = _latest(db, workshop)
    assert event.kind == live.Kind.VOTE
    projector = render_event(db, workshop.id or 0, event, "projector")
    assert 'id="projector-vote"' in projector
    assert 'hx-swap-oob="true"' in projector
    assert first.proposal.title in projector  # the result's bars, at once
    phone = render_event(db, workshop.id or 0, event, "participant")
    assert f'hx-get="/w/{workshop.join_code}/ballot" hx-trigger="load"' in phone


def test_revealing_an_open_round_sends_its_results_to_the_projector(db: Session) -> None:
    from app.models import RoundStatus
    from app.services import voting

    workshop = factories.workshop(db)
    vote_round = factories.vote_round(db, workshop=workshop, status=RoundStatus.open)
    hidden = render_event(db, workshop.id or 0, _event(db, workshop, live.Kind.VOTE), "projector")
    assert 'class="projector-bars"' not in hidden
    voting.set_results_visible(db, vote_round, True)
    event = _latest(db, workshop)
    assert event.kind == live.Kind.VOTE
    shown = render_event(db, workshop.id or 0, event, "projector")
    assert 'class="projector-bars"' in shown

"""Server-sent event streams that keep phones, the projector and the console live.

Each event from the hub becomes one HTML fragment of out-of-band swaps for the view that
listens; a fragment is rendered once per process, language and view, then shared by every
listener (300 phones cost one render, not 300).
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from app import i18n
from app.db import SessionSlots
from app.deps import FacilitatedWorkshop, WorkshopByCode
from app.domain.bounds import MAX_ID, is_id
from app.domain.errors import UserError
from app.i18n import gettext as _
from app.live import END, PING, EventRef, LiveHub, events_between, sse_message
from app.models import Idea, Proposal, Workshop
from app.routes.participate import state_context, wall_context
from app.routes.workshops import console_context, projector_vote_context, proposals_context
from app.services import ideas as idea_service
from app.services import proposals as proposal_service
from app.services.live import Kind
from app.templating import render_fragment

router = APIRouter(include_in_schema=False)

# Streams end after a while and the browser reconnects from its Last-Event-ID: this bounds
# how long a proxy or a sleeping phone can hold a dead connection, and nothing is missed.
STREAM_LIFETIME_SECONDS = 300.0


class FragmentCache:
    """Rendered fragments by (workshop, seq, view, locale); concurrent asks share one render.

    The render runs as a task of its own: the listener that started it may go away (a phone
    leaving cancels its stream) without cancelling the render the others are waiting for."""

    def __init__(self, size: int = 4000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, int, str, str], asyncio.Future[str]] = OrderedDict()

    async def get(
        self, key: tuple[int, int, str, str], render: Callable[[], Awaitable[str]]
    ) -> str:
        future = self._entries.get(key)
        if future is None:
            future = asyncio.ensure_future(render())
            self._entries[key] = future
            future.add_done_callback(lambda done: self._forget_failed(key, done))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        if future.done():  # the common case: another listener already rendered it
            return future.result()
        return await asyncio.shield(future)

    def _forget_failed(self, key: tuple[int, int, str, str], done: "asyncio.Future[str]") -> None:
        """A failed render is not kept: the next listener renders again (each waiter sees the
        failure)."""
        if (done.cancelled() or done.exception() is not None) and self._entries.get(key) is done:
            del self._entries[key]


def fragment(engine: Engine, workshop_id: int, event: EventRef, view: str) -> str:
    with Session(engine) as session:
        return render_event(session, workshop_id, event, view)


def render_event(session: Session, workshop_id: int, event: EventRef, view: str) -> str:
    """The HTML that moves one view of one workshop forward by one event ("" if nothing)."""
    if view == "participant" and event.kind in (Kind.JOINED, Kind.SPOTLIGHT):
        return ""  # phones do not show who joined, nor what the projector spotlights
    if view == "console" and event.kind == Kind.SPOTLIGHT:
        return ""  # the console that chose it already shows it
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        return ""
    context: dict[str, Any] = {"kind": event.kind, "workshop": workshop, "reacted": set()}
    context["can_post"] = workshop.status == "open"
    if event.kind in (Kind.IDEA, Kind.REACTION) and event.subject_id is not None:
        idea = session.get(Idea, event.subject_id)
        if idea is None or idea.hidden or idea.duplicate_of_id is not None:
            return ""
        context["item"] = idea_service.wall_item(session, idea)
        if idea.parent_id is not None:
            parent = session.get(Idea, idea.parent_id)
            context["comment_count"] = (
                len(idea_service.wall_item(session, parent).comments) if parent else 0
            )
    if event.kind == Kind.VOTE and view == "console":
        # Rendered here, in event order, rather than refetched by each console: refetches can
        # come back out of order and leave an older state on screen.
        context |= proposals_context(session, workshop)
        proposal = session.get(Proposal, event.subject_id) if event.subject_id else None
        if proposal is not None:  # its promoted ideas: every console marks them
            context["promoted_items"] = [
                idea_service.wall_item(session, idea)
                for idea in proposal_service.ideas_of(session, proposal)
            ]
    if event.kind == Kind.VOTE and view == "projector":
        # A round opened, was revealed or closed (by staff or the settler): the panel swaps
        # to the new state, results included, without waiting for its next poll.
        context |= projector_vote_context(session, workshop)
    if event.kind == Kind.SPOTLIGHT and event.subject_id is not None:
        context["spotlight"] = session.get(Idea, event.subject_id)
    if event.kind in (Kind.IDEA, Kind.WALL):
        context["wall_count"] = idea_service.visible_count(session, workshop)
    if view == "participant":
        context |= state_context(session, workshop)
        if event.kind == Kind.WALL and event.subject_id is not None:
            context["wall_changes"] = idea_service.wall_changes(session, workshop, event.subject_id)
        elif event.kind == Kind.WALL:  # many ideas changed at once (an erased author's name)
            context |= wall_context(session, workshop, None)
    else:
        context |= console_context(session, workshop, include_ideas=event.kind == Kind.WALL)
    return render_fragment(f"live/_{view}.html", context)


async def stream(
    request: Request, workshop_id: int, view: str, since: int, last_event_id: str | None
) -> StreamingResponse:
    hub: LiveHub = request.app.state.hub
    cache: FragmentCache = request.app.state.fragments
    engine: Engine = request.app.state.engine
    slots: SessionSlots = request.app.state.session_slots
    locale = i18n.get_locale()
    start = int(last_event_id) if last_event_id and is_id(last_event_id) else since
    start = min(max(start, 0), MAX_ID)  # past the database's integers: the query would fail

    async def render(event: EventRef) -> str:
        key = (workshop_id, event.seq, view, locale)
        return await cache.get(key, lambda: slots.run(fragment, engine, workshop_id, event, view))

    async def events() -> AsyncIterator[str]:
        last = start
        deadline = time.monotonic() + STREAM_LIFETIME_SECONDS
        async with hub.subscribe(workshop_id) as queue:
            yield "retry: 2000\n\n"
            while True:  # catch up on what happened since the page was rendered
                backlog = await slots.run(events_between, engine, workshop_id, last)
                if not backlog:
                    break
                for event in backlog:
                    html = await render(event)
                    if html:
                        yield sse_message(event.seq, html)
                    last = event.seq
            while time.monotonic() < deadline:
                event = await queue.get()
                if event is PING:
                    yield ": keep-alive\n\n"
                    continue
                if event is END:
                    break
                if event.seq <= last:
                    continue
                if event.seq > last + 1:  # should not happen; fill any gap from the table
                    missed = await slots.run(events_between, engine, workshop_id, last)
                    for earlier in (m for m in missed if m.seq < event.seq):
                        if html := await render(earlier):
                            yield sse_message(earlier.seq, html)
                # Events with nothing to show in this view are not sent at all: 300 phones times
                # every join would otherwise be a flood of empty messages.
                if html := await render(event):
                    yield sse_message(event.seq, html)
                last = event.seq

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/w/{code}/events")
async def participant_events(
    request: Request,
    workshop: WorkshopByCode,
    since: int = 0,
    last_event_id: str | None = Header(default=None),
) -> StreamingResponse:
    """The phone's live stream: new ideas, comments, +1 counts, phase and timer."""
    return await stream(request, workshop.id or 0, "participant", since, last_event_id)


@router.get("/staff/workshops/{workshop_id}/events")
async def staff_events(
    request: Request,
    workshop: FacilitatedWorkshop,
    view: str = "console",
    since: int = 0,
    last_event_id: str | None = Header(default=None),
) -> StreamingResponse:
    """The console's or the projector's live stream."""
    if view not in ("console", "projector"):
        raise UserError(_("Unknown view."), status_code=422)
    return await stream(request, workshop.id or 0, view, since, last_event_id)

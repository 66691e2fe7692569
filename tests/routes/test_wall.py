"""Long walls: pages of ideas (plain links and htmx), a bounded number of queries, one render
per workshop event shared by every phone, comment forms only where asked for, and a console
that reaches every idea."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Idea, IdeaReaction, Role, Workshop
from app.routes import participate
from app.routes.participate import PHONE_WALL_SIZE
from app.routes.workshops import CONSOLE_PAGE_SIZE
from tests import factories
from tests.helpers import HX, csrf, join, login, post
from tests.statements import recorded_statements

IDEA_ID = re.compile(r'<li id="idea-(\d+)" class="idea')
PHONE_OLDER = re.compile(r'href="/w/\w+\?before=(\d+)#wall"')


def _many_ideas(db: Session, workshop: Workshop, count: int, **fields: Any) -> list[int]:
    """`count` ideas in one go (factories.idea commits each), oldest first."""
    rows = [
        Idea(workshop_id=workshop.id or 0, stakeholder_group="resident", text=f"ความคิดที่ {n}")
        for n in range(count)
    ]
    for row in rows:
        for name, value in fields.items():
            setattr(row, name, value)
    db.add_all(rows)
    db.commit()
    return [row.id or 0 for row in rows]


def _shown(html: str) -> list[int]:
    return [int(i) for i in IDEA_ID.findall(html)]


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every render of a page of the wall (the expensive part the cache saves)."""
    calls: list[str] = []
    real = participate.render_fragment

    def counting(name: str, context: dict[str, Any]) -> str:
        calls.append(name)
        return real(name, context)

    monkeypatch.setattr(participate, "render_fragment", counting)
    return calls


# --- pages --------------------------------------------------------------------------------


def test_wall_pages_reach_every_idea_without_javascript(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    ids = _many_ideas(db, workshop, 2 * PHONE_WALL_SIZE + 7)
    page = client.get(f"/w/{workshop.join_code}")
    assert page.status_code == 200
    assert page.template.name == "participate/workshop.html"  # type: ignore[attr-defined]
    seen = _shown(page.text)
    assert seen == sorted(ids, reverse=True)[:PHONE_WALL_SIZE]
    while older := PHONE_OLDER.search(page.text):
        page = client.get(f"/w/{workshop.join_code}?before={older.group(1)}")
        assert page.status_code == 200
        assert "กลับไปที่ความคิดเห็นล่าสุด" in page.text  # a way back to the newest
        seen += _shown(page.text)
    assert seen == sorted(ids, reverse=True)  # every idea once, newest first
    assert page.context["wall_older"] is None  # type: ignore[attr-defined]


def test_wall_loads_older_ideas_with_htmx(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    ids = _many_ideas(db, workshop, PHONE_WALL_SIZE + 3)
    first = client.get(f"/w/{workshop.join_code}/wall", headers=HX)
    assert first.template.name == "participate/_wall_list.html"  # type: ignore[attr-defined]
    cursor = first.context["wall_older"]  # type: ignore[attr-defined]
    assert f'hx-get="/w/{workshop.join_code}/wall?before={cursor}"' in first.text
    more = client.get(f"/w/{workshop.join_code}/wall?before={cursor}", headers=HX)
    assert more.status_code == 200
    assert more.template.name == "participate/_wall_more.html"  # type: ignore[attr-defined]
    assert _shown(more.text) == sorted(ids)[:3][::-1]
    assert 'id="wall-list"' not in more.text  # items that replace the link, not a new list
    assert more.context["wall_older"] is None  # type: ignore[attr-defined]
    assert "hx-get" not in more.text.split("</li>")[-1]  # no further link on the last page


def test_wall_items_carry_no_form_token_or_key(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}").text
    item = page[page.index(f'<li id="idea-{idea.id}"') :]
    item = item[: item.index("</details>")]
    assert "csrf_token" not in item
    assert "client_key" not in item
    assert "<form" not in item
    assert (
        f'form="wall-form" formaction="/w/{workshop.join_code}/ideas/{idea.id}/reactions"' in item
    )
    wall_form = re.search(r'<form method="post" id="wall-form"[^>]*><input[^>]+></form>', page)
    assert wall_form
    assert 'name="csrf_token"' in wall_form.group(0)


def test_plus_one_without_javascript_posts_the_wall_form(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}").text
    token = re.search(
        r'id="wall-form"[^>]*><input type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    assert token
    url = f"/w/{workshop.join_code}/ideas/{idea.id}/reactions"
    response = client.post(url, data={"csrf_token": token.group(1), "on": "1"})
    assert response.status_code == 303
    assert db.exec(select(IdeaReaction)).one().idea_id == idea.id
    assert client.post(url, data={"on": "0"}).status_code == 403  # the token is still needed


# --- one's own +1s on a shared page ---------------------------------------------------------


def _pressed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-plus="(\d+)" aria-pressed="true" value="0"', html)}


def test_own_plus_ones_are_marked_on_the_shared_page(
    app: Any, client: TestClient, db: Session, renders: list[str]
) -> None:
    workshop = factories.workshop(db)
    liked, other = (factories.idea(db, workshop=workshop, text=t) for t in ("ชอบ", "เฉย ๆ"))
    join(client, workshop)
    post(client, f"/w/{workshop.join_code}/ideas/{liked.id}/reactions", {"on": "1"})
    with TestClient(app, follow_redirects=False) as neighbour:
        join(neighbour, workshop)
        renders.clear()
        mine = client.get(f"/w/{workshop.join_code}").text
        theirs = neighbour.get(f"/w/{workshop.join_code}").text
    assert renders == ["participate/_wall_items.html"]  # one render for both phones
    assert _pressed(mine) == {liked.id}
    assert _pressed(theirs) == set()
    assert f'data-plus="{other.id}" aria-pressed="false" value="1"' in mine


def test_idea_text_cannot_fake_a_plus_one_mark(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    factories.idea(
        db, workshop=workshop, text=f'data-plus="{idea.id}" aria-pressed="false" value="1"'
    )
    join(client, workshop)
    post(client, f"/w/{workshop.join_code}/ideas/{idea.id}/reactions", {"on": "1"})
    page = client.get(f"/w/{workshop.join_code}").text.split("<body", 1)[1]  # not the CSS
    assert page.count('aria-pressed="true"') == 1
    assert f"data-plus=&#34;{idea.id}&#34;" in page


# --- the cache ------------------------------------------------------------------------------


def test_wall_is_rendered_once_per_event_page_and_language(
    client: TestClient, db: Session, renders: list[str]
) -> None:
    workshop = factories.workshop(db)
    _many_ideas(db, workshop, PHONE_WALL_SIZE + 1)
    url = f"/w/{workshop.join_code}"
    for _ in range(3):
        assert client.get(url).status_code == 200
        assert client.get(f"{url}/wall", headers=HX).status_code == 200
    assert len(renders) == 1
    client.get(f"{url}?lang=en")
    assert len(renders) == 2  # another language is another page
    cursor = client.get(f"{url}/wall", headers=HX).context["wall_older"]  # type: ignore[attr-defined]
    client.get(f"{url}/wall?before={cursor}", headers=HX)
    client.get(f"{url}/wall?before={cursor}", headers=HX)
    assert len(renders) == 3  # the next page, once

    join(client, workshop)  # an event (someone joined): a new event number, a new render
    client.get(url)
    assert len(renders) == 4
    post(client, f"{url}/ideas", {"text": "ความคิดใหม่ล่าสุด"})
    page = client.get(url)
    assert len(renders) == 5
    assert "ความคิดใหม่ล่าสุด" in page.text  # the new event's idea, not the cached page


def test_moderation_reaches_the_cached_wall(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, text="ข้อความที่จะถูกซ่อน")
    url = f"/w/{workshop.join_code}"
    assert "ข้อความที่จะถูกซ่อน" in client.get(url).text
    login(client, factories.account(db, role=Role.admin))
    staff = f"/staff/workshops/{workshop.id}/ideas/{idea.id}/hide"
    assert post(client, staff, {"reason": "ซ้ำ"}).status_code == 303
    assert "ข้อความที่จะถูกซ่อน" not in client.get(url).text


# --- queries ---------------------------------------------------------------------------------


def test_wall_of_a_thousand_ideas_takes_at_most_ten_queries(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    ids = _many_ideas(db, workshop, 1000)
    people = [factories.participant(db, workshop=workshop) for _ in range(3)]
    for n, person in enumerate(people):
        person.display_name = f"คนที่ {n}"
        db.add(person)
        db.add(
            Idea(
                workshop_id=workshop.id or 0,
                parent_id=ids[-1 - n],
                participant_id=person.id,
                stakeholder_group="resident",
                text="เห็นด้วย",
            )
        )
        db.add(IdeaReaction(idea_id=ids[-1 - n], participant_id=person.id or 0))
    db.commit()
    join(client, workshop)
    csrf(client)  # the session exists before counting
    url = f"/w/{workshop.join_code}"
    counts = []
    for path, headers in ((url, {}), (url, {}), (f"{url}/wall", HX)):
        with recorded_statements(db.connection()) as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert len(statements) <= 10, "\n".join(statements)
        counts.append(len(statements))
    assert counts[1] <= counts[0] - 4  # the second phone reads no idea at all (cached page)
    cursor = response.context["wall_older"]  # type: ignore[attr-defined]
    with recorded_statements(db.connection()) as statements:
        more = client.get(f"{url}/wall?before={cursor}", headers=HX)
    assert len(_shown(more.text)) == PHONE_WALL_SIZE
    assert len(statements) <= 10, "\n".join(statements)


# --- comments --------------------------------------------------------------------------------


def test_comment_form_is_fetched_for_one_idea(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    ideas = [factories.idea(db, workshop=workshop, text=f"ข้อ {n}") for n in range(3)]
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}").text
    assert "<textarea" not in page.split('id="wall"')[1]  # no comment form per idea
    target = ideas[1]
    url = f"/w/{workshop.join_code}/ideas/{target.id}/comments"
    assert f'hx-get="{url}"' in page
    fetched = client.get(url, headers=HX)
    assert fetched.template.name == "participate/_comment_form.html"  # type: ignore[attr-defined]
    assert f'id="comment-form-{target.id}"' in fetched.text
    key = re.search(r'name="client_key" value="(\w+)"', fetched.text)
    assert key
    again = client.get(url, headers=HX).text
    assert f'value="{key.group(1)}"' not in again  # a fresh key each time
    sent = post(client, url, {"text": "เห็นด้วยค่ะ", "client_key": key.group(1)}, headers=HX)
    assert sent.status_code == 200
    post(client, url, {"text": "เห็นด้วยค่ะ", "client_key": key.group(1)}, headers=HX)
    comments = db.exec(select(Idea).where(Idea.parent_id == target.id)).all()
    assert [c.text for c in comments] == ["เห็นด้วยค่ะ"]  # the key still makes a resend harmless


def test_comment_without_javascript_opens_on_the_page(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, text="ขอที่จอดจักรยาน")
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}").text
    link = f'href="/w/{workshop.join_code}?comment={idea.id}#comment-on"'
    assert link in page
    opened = client.get(f"/w/{workshop.join_code}?comment={idea.id}")
    assert opened.status_code == 200
    assert f'id="comment-form-{idea.id}"' in opened.text
    assert client.get(f"/w/{workshop.join_code}/ideas/{idea.id}/comments").status_code == 200
    response = post(client, f"/w/{workshop.join_code}/ideas/{idea.id}/comments", {"text": " "})
    assert response.status_code == 422  # the error comes back in the form, on the page
    assert f'id="comment-error-{idea.id}"' in response.text
    assert client.get(f"/w/{workshop.join_code}/ideas/999999/comments").status_code == 404


# --- the console -----------------------------------------------------------------------------


def test_console_reaches_and_moderates_the_oldest_idea(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    ids = _many_ideas(db, workshop, 2 * CONSOLE_PAGE_SIZE + 5)
    hidden = _many_ideas(db, workshop, 2, hidden=True, hidden_reason="x")
    login(client, factories.account(db, role=Role.admin))
    base = f"/staff/workshops/{workshop.id}"
    page = client.get(base)
    assert page.context["wall_count"] == len(ids)  # type: ignore[attr-defined]
    assert page.context["console_total"] == len(ids) + len(hidden)  # type: ignore[attr-defined]
    assert "ทั้งหมด 207 ความคิดเห็น" in page.text
    seen = _shown(page.text)
    while (older := page.context["console_older"]) is not None:  # type: ignore[attr-defined]
        assert f'href="{base}?before={older}#console-ideas-card"' in page.text
        page = client.get(f"{base}/ideas?before={older}", headers=HX)
        assert page.template.name == "workshops/_console_ideas.html"  # type: ignore[attr-defined]
        assert 'id="wall-list-older"' in page.text  # live updates leave an older page alone
        seen += _shown(page.text)
    assert sorted(seen) == sorted(ids + hidden)
    oldest = ids[0]
    cursor = page.context["console_before"]  # type: ignore[attr-defined]
    hide = f'hx-post="{base}/ideas/{oldest}/hide?before={cursor}"'
    assert hide in page.text
    response = post(
        client, f"{base}/ideas/{oldest}/hide?before={cursor}", {"reason": "ซ้ำ"}, headers=HX
    )
    assert response.status_code == 200
    assert oldest in _shown(response.text)  # still on the same page, now hidden
    assert db.get(Idea, oldest).hidden  # type: ignore[union-attr]

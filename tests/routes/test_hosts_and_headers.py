"""Links that a forged Host cannot redirect (issue 14 #5) and browser hardening headers (#7)."""

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.static_files import critical_css
from tests import factories
from tests.helpers import app_on


def _client(settings: Settings, db: Session, **changes: object) -> TestClient:
    return TestClient(app_on(settings.model_copy(update=changes), db), follow_redirects=False)


@pytest.fixture
def public_client(settings: Settings, db: Session) -> Iterator[TestClient]:
    with _client(settings, db, public_url="https://plan.nan.go.th") as client:
        yield client


def test_forged_host_is_refused(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = client.get(f"/w/{workshop.join_code}/qr.svg", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert client.get("/join", headers={"Host": "evil.example:8000"}).status_code == 400
    assert client.get("/join").status_code == 200


def test_public_url_host_is_allowed_and_others_refused(public_client: TestClient) -> None:
    assert public_client.get("/join", headers={"Host": "plan.nan.go.th"}).status_code == 200
    assert public_client.get("/join", headers={"Host": "evil.example"}).status_code == 400


def test_allowed_hosts_setting_is_a_comma_list(settings: Settings, db: Session) -> None:
    listed = Settings(**{**settings.model_dump(), "allowed_hosts": "a.example, b.example"})
    assert listed.trusted_hosts() == ["a.example", "b.example"]
    with _client(settings, db, allowed_hosts=["a.example"]) as client:
        assert client.get("/join", headers={"Host": "a.example"}).status_code == 200
        assert client.get("/join").status_code == 400  # testserver is no longer listed


def test_share_links_and_qr_use_the_public_url_whatever_the_host(
    public_client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    page = public_client.get(f"/w/{workshop.join_code}", headers={"Host": "localhost"})
    assert page.context["share_url"] == f"https://plan.nan.go.th/w/{workshop.join_code}"  # type: ignore[attr-defined]
    assert 'content="https://plan.nan.go.th/static/og-image.png"' in page.text
    assert "localhost" not in page.text
    qr = public_client.get(f"/w/{workshop.join_code}/qr.svg", headers={"Host": "localhost"})
    assert qr.status_code == 200
    url = f"https://plan.nan.go.th/w/{workshop.join_code}"
    assert qr.text == segno.make(url, error="m").svg_inline(
        scale=8, border=2, dark="#000", light="#fff"
    )


def test_public_url_must_be_an_http_address(settings: Settings) -> None:
    with pytest.raises(ValueError, match="MRK_PUBLIC_URL"):
        Settings(**{**settings.model_dump(), "public_url": "plan.nan.go.th"})
    url = Settings(**{**settings.model_dump(), "public_url": "https://x.example/"}).public_url
    assert url == "https://x.example"


# --- headers (#7) --------------------------------------------------------------------------


def test_permissions_policy_turns_off_unused_features(client: TestClient) -> None:
    policy = client.get("/join").headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_hsts_only_over_https(client: TestClient, settings: Settings, db: Session) -> None:
    assert "strict-transport-security" not in client.get("/join").headers
    with TestClient(client.app, base_url="https://testserver") as secure:
        hsts = secure.get("/join").headers["strict-transport-security"]
    assert hsts == "max-age=31536000; includeSubDomains"
    with _client(settings, db, public_url="https://plan.nan.go.th") as proxied:
        headers = proxied.get("/join", headers={"Host": "plan.nan.go.th"}).headers
    assert headers["strict-transport-security"] == hsts  # TLS ends at the proxy


def test_pages_link_static_files_by_content_version(client: TestClient) -> None:
    html = client.get("/join").text
    match = re.search(r'href="(/static/app\.css\?v=([0-9a-f]{12}))"', html)
    assert match, "the stylesheet is linked with a version"
    assert (
        match.group(2) == hashlib.sha256(Path("app/static/app.css").read_bytes()).hexdigest()[:12]
    )
    assert re.search(r'src="/static/htmx-[0-9.]+\.min\.js\?v=[0-9a-f]{12}"', html)
    versioned = client.get(match.group(1))
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_unversioned_or_stale_static_requests_get_a_short_cache(client: TestClient) -> None:
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"


STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
LINK = '<link rel="stylesheet" href="/static/app.css?v='


def test_critical_css_is_the_marked_runs_of_the_one_stylesheet() -> None:
    """The inlined rules are read from app.css itself, in its order: they cannot drift."""
    source = Path("app/static/app.css").read_text(encoding="utf-8")
    position = 0
    for line in critical_css().splitlines():  # each line is in app.css, in the same order
        position = source.index(line, position) + len(line)
    for rule in ("header.site {", "button.big {", ".phase-panel {", ".vote-card .question {"):
        assert rule in critical_css()  # the first screens' rules are marked
    for rule in (".projector-bars {", ".remaining {"):
        assert rule not in critical_css()  # the projector's, the ballot page's are not


@pytest.mark.parametrize("page", ["join", "workshop", "board"])
def test_entry_pages_inline_the_critical_css_allowed_by_its_hash(
    client: TestClient, db: Session, page: str
) -> None:
    workshop = factories.workshop(db)
    url = {
        "join": "/join",
        "workshop": f"/w/{workshop.join_code}",
        "board": f"/cities/{factories.city(db).slug}/board/join",
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    inline = STYLE.findall(response.text)
    assert inline == [critical_css()]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["style-src-elem"] == f"'self' 'sha256-{digest}'"  # no other <style> applies
    head, body = response.text.split("<body", 1)
    assert LINK not in head  # nothing holds up the first paint
    assert body.count(LINK) == 1  # the whole stylesheet, after the content


def test_entry_page_reached_from_our_own_pages_links_the_cached_stylesheet(
    client: TestClient,
) -> None:
    page = client.get("/join", headers={"Sec-Fetch-Site": "same-origin"})
    assert "<style>" not in page.text
    assert LINK in page.text.split("<body", 1)[0]
    # A cache must not hand this page to a first visit, which needs the inlined rules.
    assert "sec-fetch-site" in page.headers["vary"].lower()


def test_other_pages_link_the_stylesheet_in_the_head(client: TestClient) -> None:
    html = client.get("/login").text
    assert "<style>" not in html
    assert html.split("<body", 1)[0].count(LINK) == 1

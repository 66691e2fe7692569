from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from tests import factories
from tests.helpers import login, post


def test_login_page_renders_form_with_csrf(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.template.name == "auth/login.html"  # type: ignore[attr-defined]
    assert 'name="csrf_token"' in response.text


def test_login_with_right_password_goes_to_staff_page(client: TestClient, db: Session) -> None:
    account = factories.account(db, role=Role.planner)
    response = post(
        client, "/login", {"email": account.email.upper(), "password": factories.PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"
    assert client.get("/staff").status_code == 200


def test_login_with_wrong_password_is_refused_and_keeps_email(
    client: TestClient, db: Session
) -> None:
    account = factories.account(db)
    response = post(client, "/login", {"email": account.email, "password": "wrong password"})
    assert response.status_code == 400
    assert response.context["email"] == account.email  # type: ignore[attr-defined]
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.text
    assert client.get("/staff").status_code == 303


def test_login_of_unknown_or_inactive_account_is_refused(client: TestClient, db: Session) -> None:
    inactive = factories.account(db, is_active=False)
    for email in (inactive.email, "nobody@example.test"):
        response = post(client, "/login", {"email": email, "password": factories.PASSWORD})
        assert response.status_code == 400


def test_login_with_empty_form_is_refused(client: TestClient) -> None:
    assert post(client, "/login", {}).status_code == 400


def test_login_redirects_only_to_same_site_paths(client: TestClient, db: Session) -> None:
    account = factories.account(db)
    for target, expected in [
        ("/staff/workshops/new", "/staff/workshops/new"),
        ("//evil.test", "/staff"),
        ("https://evil.test", "/staff"),
    ]:
        response = post(
            client,
            "/login",
            {"email": account.email, "password": factories.PASSWORD, "next": target},
        )
        assert response.headers["location"] == expected


def test_anonymous_staff_page_redirects_to_login_with_next(client: TestClient) -> None:
    response = client.get("/staff/workshops/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff/workshops/new"


def test_logout_ends_the_staff_session(client: TestClient, db: Session) -> None:
    login(client, factories.account(db))
    response = post(client, "/logout")
    assert response.status_code == 303
    assert client.get("/staff").status_code == 303


def test_session_cookie_flags(client: TestClient, db: Session) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_session_cookie_is_secure_by_default(settings, db: Session) -> None:  # type: ignore[no-untyped-def]
    from app.db import get_session
    from app.main import create_app

    app = create_app(settings.model_copy(update={"cookie_secure": True}))
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app, base_url="https://testserver") as secure_client:
        cookie = secure_client.get("/login?lang=en").headers.get_list("set-cookie")
    assert all("secure" in c.lower() for c in cookie)
    app.state.engine.dispose()


def test_deactivated_account_loses_access_at_once(client: TestClient, db: Session) -> None:
    account = factories.account(db)
    login(client, account)
    account.is_active = False
    db.add(account)
    db.commit()
    assert client.get("/staff").status_code == 303

"""Catalogs are complete and compile; no template text bypasses translation; pages switch language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.i18n import LOCALES_DIR, translations

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "app" / "templates"
# Words shown as they are in every language: the language switch names each language in itself.
UNTRANSLATED_ALLOWED = {"ไทย", "English", "EN"}


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _source_msgids() -> set[str]:
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    options = {
        "app/templates/**.html": {
            "extensions": "jinja2.ext.i18n",
            "trim_blocks": "True",
            "lstrip_blocks": "True",
        }
    }
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_source_message_is_in_the_thai_catalog() -> None:
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("th") if m.id}
    missing = _source_msgids() - catalog_ids
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


@pytest.mark.parametrize("locale", ["th", "en"])
def test_catalog_has_no_fuzzy_or_obsolete_entries(locale: str) -> None:
    catalog = _catalog(locale)
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    assert not catalog.obsolete


def test_every_thai_message_is_translated() -> None:
    untranslated = [
        m.id
        for m in _catalog("th")
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []


def test_translations_keep_their_placeholders() -> None:
    for message in _catalog("th"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\((\w+)\)s", string)) == wanted, message.id


def test_catalogs_compile() -> None:
    assert translations("th").gettext("Join") == "เข้าร่วม"
    assert translations("en").gettext("Join") == "Join"


def _visible_template_text(source: str) -> list[str]:
    text = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    words = re.findall(r"[A-Za-z\u0E00-\u0E7F]{2,}", text)
    return [w for w in words if w not in UNTRANSLATED_ALLOWED]


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_have_no_untranslated_text(template: Path) -> None:
    assert _visible_template_text(template.read_text()) == []


def test_pages_default_to_thai(client: TestClient) -> None:
    response = client.get("/join")
    assert '<html lang="th">' in response.text
    assert "เข้าร่วมการประชุม" in response.text


def test_english_switch_persists_in_a_cookie(client: TestClient) -> None:
    response = client.get("/join?lang=en")
    assert '<html lang="en">' in response.text
    assert "Join a workshop" in response.text
    assert "mrk_lang=en" in response.headers["set-cookie"]
    again = client.get("/")
    assert '<html lang="en">' in again.text
    assert "Pilot cities" in again.text
    back = client.get("/?lang=th")
    assert '<html lang="th">' in back.text


def test_only_a_real_language_choice_switches_and_sets_the_cookie(client: TestClient) -> None:
    """The locale middleware looks at the query and cookies only when they can hold a choice:
    other names that contain "lang" do not switch, a percent-encoded "lang" does."""
    for path in ("/join", "/join?slang=en", "/join?language=en", "/join?lang=xx"):
        response = client.get(path)
        assert '<html lang="th">' in response.text, path
        assert "mrk_lang" not in response.headers.get("set-cookie", ""), path
    encoded = client.get("/join?%6Cang=en")
    assert '<html lang="en">' in encoded.text
    assert "mrk_lang=en" in encoded.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set("other", "mrk_lang")  # the name inside another cookie's value
    assert '<html lang="th">' in client.get("/join").text
    client.cookies.set("mrk_lang", "en")
    assert '<html lang="en">' in client.get("/join").text


def test_thai_stays_the_default_for_an_english_browser(client: TestClient) -> None:
    response = client.get("/join", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert '<html lang="th">' in response.text


def test_api_errors_follow_the_language(client: TestClient) -> None:
    thai = client.get("/api/v1/cities/atlantis").json()["detail"]
    english = client.get("/api/v1/cities/atlantis?lang=en").json()["detail"]
    assert thai == "ไม่พบเมืองนี้"
    assert english == "There is no city with this identifier."

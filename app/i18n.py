"""gettext catalogs from locales/, the request's locale, and Thai-aware date formatting.

Catalogs are compiled from the committed .po files in memory when first used, so a
checkout never runs with stale .mo files.
"""

import gettext as _gettext
import io
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED_LOCALES = ("th", "en")
DEFAULT_LOCALE = "th"
LOCALE_COOKIE = "mrk_lang"
THAI_TZ = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543

_current_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@lru_cache
def translations(locale: str) -> _gettext.NullTranslations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def get_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it; translate later with gettext()."""
    return message


def negotiate_locale(query: str | None, cookie: str | None) -> str:
    """Pick the locale: an explicit ?lang, then the saved choice, else Thai.

    The browser's Accept-Language is deliberately ignored: many Thai residents' phones are
    set to English, and the programme's working language is Thai.
    """
    for candidate in (query, cookie):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return DEFAULT_LOCALE


def format_date(
    value: date | datetime | None, locale: str | None = None, *, era: str = "be"
) -> str:
    """Format a date for people: "27 พ.ย. 2569" in Thai (Buddhist Era), "27 Nov 2026" in English.

    era="be" shows Buddhist Era years (CE + 543), era="ce" Common Era years. Datetimes are
    shown in Thailand's time zone. An English date in B.E. reads "27 Nov 2569 BE".
    """
    if value is None:
        return ""
    locale = locale or get_locale()
    if isinstance(value, datetime):
        value = value.astimezone(THAI_TZ).date() if value.tzinfo else value.date()
    if era == "ce":
        return babel_format_date(value, format="d MMM y", locale=locale)
    month = get_month_names("abbreviated", locale=Locale.parse(locale))[value.month]
    year = value.year + BUDDHIST_ERA_OFFSET
    if locale == "th":
        return f"{value.day} {month} {year}"
    return f"{value.day} {month} {year} BE"


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    """Date (Buddhist Era in Thai) and 24-hour time in Thailand's time zone."""
    if value is None:
        return ""
    local = value.astimezone(THAI_TZ)
    return f"{format_date(local, locale)} {local:%H:%M}"


def format_number(value: int | float, locale: str | None = None) -> str:
    if isinstance(value, int):  # both languages group thousands with ","; skip Babel's cost
        return f"{value:,}"
    return format_decimal(value, locale=locale or get_locale())

from datetime import UTC, date, datetime

from app.i18n import format_date, format_datetime, negotiate_locale


def test_thai_date_uses_buddhist_era() -> None:
    assert format_date(date(2026, 11, 27), "th") == "27 พ.ย. 2569"


def test_english_date_in_buddhist_era_is_marked() -> None:
    assert format_date(date(2026, 11, 27), "en") == "27 Nov 2569 BE"


def test_common_era_on_request() -> None:
    assert format_date(date(2026, 11, 27), "en", era="ce") == "27 Nov 2026"


def test_datetime_is_shown_in_thai_time() -> None:
    # 20:30 UTC on 30 Sep is 03:30 on 1 Oct in Bangkok: the first day of fiscal year 2570.
    value = datetime(2026, 9, 30, 20, 30, tzinfo=UTC)
    assert format_datetime(value, "th") == "1 ต.ค. 2569 03:30"


def test_none_formats_as_empty() -> None:
    assert format_date(None, "th") == ""


def test_negotiate_prefers_query_then_cookie_then_thai() -> None:
    assert negotiate_locale("en", "th") == "en"
    assert negotiate_locale(None, "en") == "en"
    assert negotiate_locale(None, None) == "th"
    assert negotiate_locale("xx", "yy") == "th"


def test_numbers_group_thousands() -> None:
    from app.i18n import format_number

    assert format_number(1234567, "th") == "1,234,567"
    assert format_number(1234.5, "en") == "1,234.5"

"""Dates, times and numbers as CLDR writes them for Switzerland (Babel), per report language.

A report in Italian is for a reader in Ticino: it_CH, not it_IT (the same for de_CH, fr_CH and
en_CH), so numbers group with CLDR's Swiss separators and dates read as Swiss readers expect.
Moments are shown in Swiss time (Europe/Zurich), the bank's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

LOCALES = {"de": "de_CH", "fr": "fr_CH", "it": "it_CH", "en": "en_CH"}


def _swiss_time() -> tzinfo:
    try:
        return ZoneInfo("Europe/Zurich")
    except ZoneInfoNotFoundError:  # a system without the time-zone database: say UTC
        return UTC


ZONE = _swiss_time()


def locale_of(language: str) -> str:
    return LOCALES[language]


def day(value: date, language: str) -> str:
    """28 November 2026 (en_CH), 28. November 2026 (de_CH): CLDR's long date."""
    return format_date(value, format="long", locale=locale_of(language))


def moment(value: datetime, language: str, *, with_time: bool) -> str:
    """The day in Swiss time, and with ``with_time`` the time to the minute after it."""
    local = value.astimezone(ZONE)
    shown = day(local.date(), language)
    if with_time:
        shown += " " + format_time(local.time(), format="short", locale=locale_of(language))
    return shown


def number(value: int, language: str) -> str:
    """2’000 (de_CH), 2 000 (fr_CH): CLDR's grouping for the locale."""
    return format_decimal(value, locale=locale_of(language))

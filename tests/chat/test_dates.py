"""Due dates from natural phrases, relative to an injected today (a Friday)."""
import datetime

import pytest

from app.chat.dates import parse_date, split_date

FRI = datetime.date(2026, 11, 20)
D = datetime.date


@pytest.mark.parametrize("phrase, expected", [
    ("today", FRI), ("tonight", FRI), ("tomorrow", D(2026, 11, 21)), ("tmrw", D(2026, 11, 21)),
    ("day after tomorrow", D(2026, 11, 22)),
    ("friday", D(2026, 11, 27)),            # a weekday is never today: a week ahead
    ("monday", D(2026, 11, 23)), ("Thursday", D(2026, 11, 26)), ("this sunday", D(2026, 11, 22)),
    ("next monday", D(2026, 11, 23)), ("next friday", D(2026, 11, 27)),
    ("next week", D(2026, 11, 23)), ("this weekend", D(2026, 11, 21)),
    ("next weekend", D(2026, 11, 28)), ("end of the week", FRI), ("end of the month", D(2026, 11, 30)),
    ("next month", D(2026, 12, 1)), ("in 3 days", D(2026, 11, 23)), ("in a week", D(2026, 11, 27)),
    ("in two weeks", D(2026, 12, 4)), ("in a month", D(2026, 12, 20)),
    ("the 5th", D(2026, 12, 5)),            # past this month: next month's
    ("the 20th", FRI), ("21st", D(2026, 11, 21)), ("the 31st", D(2026, 12, 31)),
    ("dec 5", D(2026, 12, 5)), ("5 december", D(2026, 12, 5)), ("5th of Dec", D(2026, 12, 5)),
    ("January 2nd", D(2027, 1, 2)), ("nov 1", D(2027, 11, 1)),   # already past: next year
    ("2026-12-31", D(2026, 12, 31)),
    ("someday", None), ("the fire", None), ("feb 30", None), ("2026-13-01", None),
])
def test_phrases(phrase, expected):
    assert parse_date(phrase, FRI) == expected


def test_month_ends_and_leap_years():
    assert parse_date("the 31st", D(2027, 2, 3)) == D(2027, 3, 31)      # February has none
    assert parse_date("in a month", D(2027, 1, 31)) == D(2027, 2, 28)
    assert parse_date("next month", D(2026, 12, 15)) == D(2027, 1, 1)
    assert parse_date("feb 29", D(2027, 11, 1)) == D(2028, 2, 29)
    assert parse_date("this weekend", D(2026, 11, 22)) == D(2026, 11, 22)  # Sunday: today


@pytest.mark.parametrize("text, title, due", [
    ("call grandma tomorrow", "call grandma", D(2026, 11, 21)),
    ("buy eggs by the 5th", "buy eggs", D(2026, 12, 5)),
    ("pay rent due friday", "pay rent", D(2026, 11, 27)),
    ("renew insurance on Friday", "renew insurance", D(2026, 11, 27)),
    ("taxes, due 2026-12-31", "taxes", D(2026, 12, 31)),
    ("pick up the kids at 5", "pick up the kids at 5", None),
    ("read by the fire", "read by the fire", None),
    ("chapter the 5th", "chapter the 5th", None),        # a bare ordinal is part of the title
    ("watch the sun", "watch the sun", None),            # so is a bare weekday abbreviation
    ("meet Ann on sat", "meet Ann", D(2026, 11, 21)),
    ("water the ferns every sunday", "water the ferns every sunday", None),   # a habit
])
def test_a_date_at_the_end_is_split_off(text, title, due):
    assert split_date(text, FRI) == (title, due)

"""Due dates from the way people say them, relative to the user's local date (`today` is
always passed in, so tests fix it): "tomorrow", "on Friday", "next monday", "by the 5th",
"dec 5", "5th of December", "in 3 days", "next week", "this weekend", "end of the month",
"2026-12-31".

Conventions: a weekday means the next one to come, never today ("friday" said on a Friday
is a week ahead); "next <weekday>" is that day in the coming week (Monday-based); "next
week" is next Monday, "the weekend" the coming Saturday (today when it is one); a day of the
month alone ("the 5th") is the next 5th to come, today included; a month and day already
past this year is next year's.
"""
import calendar
import datetime
import functools
import re

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_RE = (r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|"
               r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_MONTH_RE = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3}
_COUNT_RE = r"(?P<n>\d{1,3}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_DAY_RE = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

# Each form: (name, regex). Matched against the whole phrase (lower case).
_FORMS = (
    ("today", r"(?:today|tonight|this (?:morning|afternoon|evening)|later today|now)"),
    ("day_after", r"(?:the )?day after (?:tomorrow|tmrw|tomorow|tommorow)"),
    ("tomorrow", r"(?:tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2moro)(?: (?:morning|afternoon|evening|night))?"),
    ("next_week", r"next week"),
    ("weekend", r"(?P<next>next )?(?:this )?(?:the )?weekend"),
    ("end_week", r"(?:the )?end of (?:the |this )?week"),
    ("end_month", r"(?:the )?end of (?:the |this )?month"),
    ("next_month", r"next month"),
    ("weekday", rf"(?P<rel>this |next |coming |this coming )?{_WEEKDAY_RE}"),
    ("in", rf"in {_COUNT_RE} (?P<unit>days?|weeks?|months?)"),
    ("iso", r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    ("month_day", rf"(?P<mon>{_MONTH_RE}) {_DAY_RE}"),
    ("day_month", rf"(?:the )?{_DAY_RE} (?:of )?(?P<mon>{_MONTH_RE})"),
    ("ordinal", r"(?:the )?(?P<day>[0-3]?\d)(?:st|nd|rd|th)(?: of (?:the |this )?month)?"),
)
# Forms that need a preposition ("by the 5th") to count as a date at the end of a title.
_NEEDS_PREPOSITION = {"ordinal"}
_PREPOSITION = r"(?:due|by|on|for|before|until|till|til|no later than|at the latest)"


@functools.cache
def _compiled():
    # Compiled on first use, not at import: keeps regex compilation out of the app's boot.
    forms = [(name, re.compile(pattern + r"$")) for name, pattern in _FORMS]
    any_form = "|".join(f"(?:{p})" for _, p in _FORMS)
    any_form = re.sub(r"\(\?P<\w+>", "(?:", any_form)          # one unnamed alternation
    tail = re.compile(rf"(?:^|\s+|,\s*)(?P<prep>(?:{_PREPOSITION}\s+)*(?:on\s+)?)(?P<date>{any_form})$")
    return forms, tail


def parse_date(phrase, today):
    """A whole phrase ("next friday") -> date, or None when it is not a date we read."""
    phrase = " ".join(phrase.lower().replace(",", " ").split())
    for name, pattern in _compiled()[0]:
        m = pattern.match(phrase)
        if m:
            return _resolve(name, m, today)
    return None


def split_date(text, today):
    """"call grandma tomorrow" -> ("call grandma", date); the date phrase must end `text`.
    -> (text, None) when it ends with no date."""
    m = _compiled()[1].search(text.lower())
    if not m:
        return text, None
    phrase = m["date"]
    name = next((n for n, p in _compiled()[0] if p.match(phrase)), None)
    if re.search(r"\b(?:every|each)\s*$", text[:m.start("date")].lower()):
        return text, None        # "every sunday": a habit, not one due date (no repeats here)
    bare = not m["prep"].strip()
    if bare and (name in _NEEDS_PREPOSITION or _abbreviated_weekday(name, phrase)):
        return text, None
    day = parse_date(phrase, today)
    if day is None:
        return text, None
    return text[:m.start()].rstrip(" ,"), day


def _abbreviated_weekday(name, phrase):
    # "watch the sun", "buy a mon...": a bare weekday at the end counts only spelled out.
    return name == "weekday" and not phrase.endswith("day")


def _resolve(name, m, today):
    if name == "today":
        return today
    if name == "tomorrow":
        return today + datetime.timedelta(days=1)
    if name == "day_after":
        return today + datetime.timedelta(days=2)
    if name == "next_week":
        return today + datetime.timedelta(days=7 - today.weekday())
    if name == "weekend":
        ahead = (5 - today.weekday()) % 7
        if today.weekday() == 6:
            ahead = 0                                  # Sunday: this weekend is today
        return today + datetime.timedelta(days=ahead + (7 if m["next"] else 0))
    if name == "end_week":
        return today + datetime.timedelta(days=(4 - today.weekday()) % 7)
    if name == "end_month":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if name == "next_month":
        return _add_months(today.replace(day=1), 1)
    if name == "weekday":
        target = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(m["wd"][:3]))
        if (m["rel"] or "").strip() == "next":
            monday = today + datetime.timedelta(days=7 - today.weekday())
            return monday + datetime.timedelta(days=target)
        return today + datetime.timedelta(days=(target - today.weekday()) % 7 or 7)
    if name == "in":
        n = int(m["n"]) if m["n"].isdigit() else _NUMBERS[m["n"]]
        unit = m["unit"].rstrip("s")
        if unit == "month":
            return _add_months(today, n)
        return today + datetime.timedelta(days=n * (7 if unit == "week" else 1))
    if name == "iso":
        return _date(int(m["y"]), int(m["m"]), int(m["d"]))
    if name in ("month_day", "day_month"):
        month = _month(m["mon"])
        day = int(m["day"])
        for year in range(today.year, today.year + 5):      # 29 Feb: the next leap year
            found = _date(year, month, day)
            if found is not None and found >= today:
                return found
        return None
    if name == "ordinal":
        day = int(m["day"])
        for ahead in range(0, 13):
            first = _add_months(today.replace(day=1), ahead)
            found = _date(first.year, first.month, day)
            if found is not None and found >= today:
                return found
        return None
    raise ValueError(name)


def _month(word):
    word = word.rstrip(".")
    return next(i for i, name in enumerate(MONTHS, 1) if name.startswith(word[:3]))


def _date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _add_months(day, months):
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))

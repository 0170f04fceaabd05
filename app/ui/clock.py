"""The user's local date. Python's clock in Pyodide may not know the browser's time zone,
so "today" (for overdue / due today) comes from JS Date, which does."""
import datetime

from app.compat import js


def local_today():
    now = js.Date.new()
    return datetime.date(now.getFullYear(), now.getMonth() + 1, now.getDate())

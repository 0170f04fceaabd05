"""Checks the UI browser tests share."""


def python_errors(page):
    """Uncaught Python errors PyScript showed in the page (it renders errors raised in event
    handlers as .py-error boxes instead of failing anything)."""
    return page.evaluate("[...document.querySelectorAll('.py-error')].map(e => e.textContent)")

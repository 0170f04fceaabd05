"""Browser tests here fail on any Python error the page showed (PyScript renders uncaught
errors of event handlers as .py-error boxes instead of failing anything)."""
import pytest

from tests.ui.checks import python_errors


@pytest.fixture(autouse=True)
def no_python_errors(request):
    page = request.getfixturevalue("app_page") if "app_page" in request.fixturenames else None
    yield
    if page is not None and not page.is_closed():
        assert python_errors(page) == []

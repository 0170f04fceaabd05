"""`window.appPython(code)`: run Python inside the app's interpreter from JS.

Handy in DevTools; the browser tests use it to reach the storage and engine code directly.
The result of the last expression is converted to a JS value (dicts become Objects).
"""
from pyodide.code import eval_code_async

from app.compat import create_proxy, js, to_js_object

_namespace = {"__name__": "__apppython__"}


async def run_python(code):
    result = await eval_code_async(code, globals=_namespace)
    return to_js_object(result) if not hasattr(result, "js_id") else result


def install():
    js.window.appPython = create_proxy(run_python)

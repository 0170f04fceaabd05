"""A tiny element builder: h("li", "text", class_="x", aria_label="y").

Strings become text nodes (textContent semantics), so user or model text can never inject
markup. Attribute names use Python spelling: trailing "_" is dropped, "_" becomes "-".
"""
from app.compat import js, js_none


def h(tag, *children, **attrs):
    el = js.document.createElement(tag)
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        attr = name.rstrip("_").replace("_", "-")
        el.setAttribute(attr, "" if value is True else str(value))
    append(el, *children)
    return el


def append(parent, *children):
    for child in children:
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            append(parent, *child)
        elif isinstance(child, str):
            parent.appendChild(js.document.createTextNode(child))
        else:
            parent.appendChild(child)
    return parent


def by_id(element_id):
    return js.document.getElementById(element_id)


def clear(el):
    el.replaceChildren()
    return el


def missing(el):
    """True when a DOM lookup (getElementById, closest, querySelector, activeElement) found
    nothing: JS null, which Pyodide hands back as `jsnull`, not None."""
    return js_none(el) is None

"""The app shell: header and the three panels later features fill in."""
from app.ui.dom import by_id, clear, h

PANELS = (
    ("todos", "To-dos", "Your to-do list will appear here."),
    ("chat", "Assistant", "Chat with the on-device assistant here."),
    ("models", "Models & storage", "Stored models, storage usage and quota appear here."),
)


def render_shell():
    from app.ui import offline_status
    app = clear(by_id("app"))
    app.removeAttribute("aria-busy")
    header = h("header", h("h1", "Offline To-do Assistant"),
               h("p", "Python in your browser. Works with the network off."),
               class_="app-header")
    offline_status.render(header)
    app.append(
        header,
        h("main",
          [h("section", h("h2", title, id=f"{key}-heading"),
             h("div", h("p", text, class_="panel-placeholder"), id=f"{key}-body"),
             id=f"{key}-panel", class_="panel", aria_labelledby=f"{key}-heading")
           for key, title, text in PANELS],
          class_="app-main"),
    )
    return app


def feature_area(panel, feature):
    """A container of its own for one feature inside a shell panel (the models panel holds
    storage, downloads and the engine). The panel's placeholder goes once something mounts;
    each feature may clear and redraw its area without touching the others."""
    body = by_id(f"{panel}-body")
    for placeholder in list(body.getElementsByClassName("panel-placeholder")):
        placeholder.remove()
    area = h("div", class_=f"feature feature-{feature}", data_feature=feature)
    body.append(area)
    return area

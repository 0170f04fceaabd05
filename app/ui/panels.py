"""The mounted panels by name, so one panel can reach another (the models panel hands the
chat an engine: `mounted["chat"].set_engine(engine)`); tests and DevTools use it too."""
from app.ui.dom import by_id

mounted = {}


async def mount_todos_and_chat():
    from app.ui.chat_panel import ChatPanel
    from app.ui.todos_panel import mount_todos

    mounted["todos"] = await mount_todos(by_id("todos-body"))
    mounted["chat"] = ChatPanel(by_id("chat-body"), mounted["todos"].todos)
    return mounted

"""The chat panel (#chat-body): the conversation in a role="log", a "Message" box, "Send",
"Stop" and "Regenerate", and, until a model is loaded, the offer to load one.

Every piece of text (the user's, the model's, to-do titles in replies) is added as a text
node; nothing is ever parsed as HTML.
"""
from app.chat.prompt import MAX_MESSAGE
from app.ui import forms
from app.ui.clock import local_today
from app.ui.dom import append, by_id, clear, h, missing
from app.ui.events import on, spawn
from app.ui.thinking import Thinking

WHO = {"user": "You", "assistant": "Assistant"}


class ChatPanel:
    def __init__(self, container, todos, active=None, load_embedded=None, state=None):
        """`active`: the shared ActiveEngine (the chat uses whatever model it holds);
        `load_embedded()`: loads the built-in model into it -> the Engine, or None when it
        failed (app.ui.panels.load_embedded; None: not offered); `state`:
        the models state (app.models_state) whose engine the banner shows."""
        from app.models_state import models
        self.todos = todos
        self.active = active
        self.state = models if state is None else state
        self._engine = None
        self._assistant = None         # created on first use: the chat logic stays out of boot
        self.load_embedded = load_embedded
        self.status = h("p", class_="chat-status", role="status")
        self.progress = h("progress", max="1", value="0", aria_label="Model loading progress",
                          hidden=True)
        self.load_button = h("button", "Load the built-in model", type="button",
                             hidden=load_embedded is None)
        self.larger_button = h("button", "Get a larger model", type="button")
        self.offer = h("div", self.status, self.progress,
                       h("div", self.load_button, self.larger_button, class_="chat-offer-actions"),
                       class_="chat-offer")
        self.log = h("div", role="log", aria_label="Conversation", class_="chat-log",
                     tabindex="0")
        self.input = h("input", id="chat-input", type="text", autocomplete="off",
                       placeholder="add buy milk · what is overdue? · how many open to-dos?",
                       aria_describedby="chat-hint")
        self.form_error = h("p", class_="error", role="alert", hidden=True)
        self.send_button = h("button", "Send", type="submit")
        self.stop_button = h("button", "Stop", type="button", disabled=True)
        self.regen_button = h("button", "Regenerate", type="button", disabled=True)
        self.form = h("form",
                      h("label", "Message", for_="chat-input"),
                      h("div", self.input, self.send_button, self.stop_button, self.regen_button,
                        class_="chat-controls"),
                      h("span", f"Up to {MAX_MESSAGE:,} characters.", id="chat-hint",
                        class_="hint"),
                      self.form_error,
                      class_="chat-form")
        clear(container).append(self.offer, self.log, self.form)
        self._proxies = [
            on(self.form, "submit", self._on_send),
            on(self.form, "keydown", self._on_keydown),
            forms.ignore_held_enter(self.form),
            on(self.stop_button, "click", lambda _e: self.assistant.stop()),
            on(self.regen_button, "click", self._on_regenerate),
            on(self.load_button, "click", self._on_load),
            on(self.larger_button, "click", self._on_larger),
        ]
        self.busy = False
        self._last_reply = []          # elements of the last reply (notices + message)
        from app.models_state import ENGINE
        self._unsubscribe = self.state.subscribe(self._on_engine_state, ENGINE)
        self._on_engine_state(ENGINE)

    @property
    def assistant(self):
        if self._assistant is None:
            from app.chat.assistant import Assistant
            self._assistant = Assistant(self.todos, engine=self._engine, today=local_today)
        return self._assistant

    # ------------------------------------------------------------ the engine
    def set_engine(self, engine):
        """Hand the chat an engine (or None); the shared ActiveEngine does this on its own."""
        self._engine = engine
        if self._assistant is not None:
            self._assistant.engine = engine
        self._update_offer()
        self._update_buttons()

    def _on_engine_state(self, _topic):
        from app.models_state import LOADED
        loaded = self.active is not None and self.state.engine.status == LOADED
        self.set_engine(self.active.engine if loaded else None)

    def _update_offer(self):
        from app.models_state import FAILED, LOADING
        e = self.state.engine
        self.progress.hidden = e.status != LOADING
        self.load_button.disabled = e.status == LOADING
        if self._engine is not None and self._engine.loaded:
            info = self._engine.info()
            runs_on = info.runs_on or f"{info.engine}, {info.backend}"   # what, and why
            self.status.textContent = (f"Model: {info.model or info.engine}. {runs_on}. "
                                       "Questions about your list are answered from the list "
                                       "itself.")
            self.load_button.hidden = True
            self.larger_button.hidden = True
            return
        if e.status == LOADING:
            self.progress.value = e.fraction
            self.status.textContent = f"Loading the built-in model… {e.text}".strip()
        elif e.status == FAILED:
            self.status.textContent = f"The model could not be loaded: {e.error}"
        else:
            self.status.textContent = ("No model loaded. Commands (“add buy milk”, “mark buy "
                                       "milk done”) and questions about your list work now.")
        self.load_button.hidden = self.load_embedded is None
        self.larger_button.hidden = False

    def _on_load(self, _event):
        # Progress, the model's name and any failure arrive through the models state.
        async def load():
            if await self.load_embedded() is not None:
                self.input.focus()
        spawn(load(), lambda _msg: None)

    def _set_status(self, text):
        self.status.textContent = text

    def _on_larger(self, _event):
        panel = by_id("models-panel")
        if missing(panel):
            return
        panel.scrollIntoView()
        heading = by_id("models-heading")
        heading.setAttribute("tabindex", "-1")
        heading.focus()
        self._set_status("Choose and download a model in “Models & storage”; it stays "
                         "available offline afterwards.")

    # ------------------------------------------------------------ messages
    def _message(self, role, text="", kind=None):
        body = h("p", text, class_="msg-text")
        el = h("div", h("span", WHO[role], class_="msg-who"), body,
               class_=f"msg msg-{role}", data_kind=kind)
        self.log.append(el)
        self._scroll()
        return el, body

    def _scroll(self):
        self.log.scrollTop = self.log.scrollHeight

    def _update_buttons(self):
        a = self._assistant
        self.send_button.disabled = self.busy
        self.stop_button.disabled = a is None or a.current is None
        self.regen_button.disabled = self.busy or a is None or not a.can_regenerate

    def _on_send(self, event):
        # The shared form path (app.ui.forms): checked, then taken and cleared right here.
        event.preventDefault()
        if self.busy or not self.input.value.strip():
            return                     # while a reply runs, the text waits in the box
        problem = forms.over_limit(self.input.value.strip(), MAX_MESSAGE)
        self.form_error.textContent = problem or ""
        self.form_error.hidden = not problem
        if problem:
            return                     # the text stays in the box, whole
        (text,) = forms.take(self.input)
        text = text.strip()
        self._message("user", text)
        self._set_busy(True)           # now, not when the task starts: no double sends
        spawn(self._respond(self.assistant.respond(text)), self._show_error)

    def _on_keydown(self, event):
        if event.key == "Escape":          # Escape in the message box stops the reply
            self.assistant.stop()

    def _on_regenerate(self, _event):
        if self.busy or not self.assistant.can_regenerate:
            return
        for el in self._last_reply:
            el.remove()
        self._set_busy(True)

        async def again():
            return self.assistant.regenerate()
        spawn(self._respond(again()), self._show_error)

    def _set_busy(self, busy):
        self.busy = busy
        self._update_buttons()

    async def _respond(self, reply_coro):
        self._set_busy(True)
        el = None
        try:
            reply = await reply_coro
            if reply is None:
                return None
            self._last_reply = []
            for notice in reply.notices:
                self._last_reply.append(h("p", notice, class_="msg-notice", role="note"))
                self.log.append(self._last_reply[-1])
            el, body = self._message("assistant", kind=reply.kind)
            self._last_reply.append(el)
            el.dataset.state = "streaming"
            el.setAttribute("aria-busy", "true")
            self._update_buttons()
            thinking = Thinking(el) if reply.kind == "model" else None
            try:
                async for delta in reply.stream():
                    if thinking is not None:
                        thinking.done()
                        thinking = None
                    append(body, delta)
                    self._scroll()
            finally:
                if thinking is not None:
                    thinking.done()
            if reply.replaced:         # the model contradicted the list: the code's answer
                body.textContent = reply.text
                el.dataset.replaced = "true"
                append(el, h("span", " (the model's reply did not match your list, so this is "
                                     "the answer from the list)", class_="msg-replaced"))
            if reply.stopped:
                append(el, h("span", " (stopped)", class_="msg-stopped"))
            if not reply.text.strip() and not reply.stopped:
                append(body, "(no reply)")
            el.dataset.state = "stopped" if reply.stopped else "done"
            return el
        except Exception:
            if el is not None:
                el.dataset.state = "error"
            raise
        finally:
            if el is not None:
                el.removeAttribute("aria-busy")
            self._set_busy(False)

    def _show_error(self, message):
        el, _ = self._message("assistant", f"Sorry, that failed: {message}", kind="error")
        el.dataset.state = "error"
        el.setAttribute("role", "alert")

"""How every form in the app takes what was typed and submits it, so that nothing typed is
lost and nothing is sent twice, whatever the timing.

- `take()` reads the fields and clears them in the submit event itself, before any await:
  text typed while the save runs belongs to the next submit, and a second click or Enter
  finds the box empty instead of sending the same text again.
- The work then runs as a task (`app.ui.events.spawn`); to-do changes are applied one at a
  time, in the order they were asked for, by `app.todos.todolist.TodoList`.
- `give_back()` after a failure: the text goes back into its box if the user has not typed
  anything new there since; otherwise the caller's message quotes it (`lost_text_hint`).
- `ignore_held_enter()`: a held Enter key submits (or presses a button) once; its
  auto-repeats are ignored.
- Limits are checked before anything is taken (`over_limit`): the text stays in its box,
  whole, with a message that says the limit. No `maxlength` attribute anywhere: it cuts a
  paste short without a word.
"""
from app.ui.events import on


def take(*fields):
    """The fields' values, as a tuple; the fields are empty afterwards."""
    values = tuple(field.value for field in fields)
    for field in fields:
        field.value = ""
    return values


def give_back(field, value):
    """Put `value` back into `field` unless the user has typed something new there since
    -> True when the value is back (or there was nothing to give back)."""
    if not value:
        return True
    if field.value:
        return False
    field.value = value
    return True


def lost_text_hint(restored, text):
    """The end of a failure message: where the user's text is now."""
    if restored:
        return "Your text is back in the box."
    return f"You have typed something new since, so here is what was not saved: {text}"


def over_limit(text, limit, what="A message"):
    """None if `text` fits in `limit` characters, else the message that says so."""
    if len(text) <= limit:
        return None
    return (f"{what} can be at most {limit:,} characters; this one has {len(text):,}. "
            "Nothing was sent: shorten it and try again.")


def ignore_held_enter(el):
    """Listen on `el` (a form or a panel) and drop the auto-repeats of a held Enter key, so
    holding it submits once. -> the listener's proxy."""
    def keydown(event):
        if event.key == "Enter" and event.repeat:
            event.preventDefault()
    return on(el, "keydown", keydown)

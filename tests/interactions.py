"""Counting what a person does in a browser test: every click, every fill or key sequence into a
field, every drag and every navigation by address counts as one interaction.

The counter patches Playwright's sync API itself (Page, Locator, Mouse, Keyboard) for the test's
duration, so whatever the test does through Playwright is counted, however it reaches the page;
running scripts in the page is refused while counting, since it could change the page without
an interaction."""

from __future__ import annotations

import functools

from playwright.sync_api import Keyboard, Locator, Mouse, Page

# One interaction each. Mouse.down starts a click or a drag; its move and up are the same gesture.
COUNTED = {
    Page: ("goto", "click", "dblclick", "tap", "fill", "type", "press", "select_option", "check", "uncheck",
           "set_checked", "set_input_files", "drag_and_drop", "dispatch_event"),
    Locator: ("click", "dblclick", "tap", "fill", "clear", "type", "press", "press_sequentially", "select_option",
              "check", "uncheck", "set_checked", "set_input_files", "drag_to", "dispatch_event"),
    Mouse: ("click", "dblclick", "down"),
    Keyboard: ("press", "type", "insert_text", "down"),
}
SCRIPTED = {Page: ("evaluate", "evaluate_handle", "add_script_tag"),
            Locator: ("evaluate", "evaluate_all", "evaluate_handle")}


class Interactions:
    def __init__(self):
        self.counting = False
        self.log: list[str] = []

    def start(self) -> None:
        """Count from here (after signing in and opening the page the task starts from)."""
        self.counting, self.log = True, []

    @property
    def count(self) -> int:
        return len(self.log)


def count_interactions(monkeypatch) -> Interactions:
    """Patch Playwright (undone with the test, by pytest's monkeypatch) and return the counter."""
    counter = Interactions()

    def counted(cls, name):
        original = getattr(cls, name)

        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            if counter.counting:
                counter.log.append(f"{cls.__name__}.{name}{args[:1]}")
            return original(self, *args, **kwargs)
        return wrapper

    def refused(cls, name):
        original = getattr(cls, name)

        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            if counter.counting:
                raise AssertionError(f"{cls.__name__}.{name} would act on the page without an interaction")
            return original(self, *args, **kwargs)
        return wrapper

    for cls, names in COUNTED.items():
        for name in names:
            monkeypatch.setattr(cls, name, counted(cls, name))
    for cls, names in SCRIPTED.items():
        for name in names:
            monkeypatch.setattr(cls, name, refused(cls, name))
    return counter

"""The releases a booking may serve, offered as a choice on the booking page.

Releases come after environments in the app order, so this app cannot read them: the releases app
registers the provider from its AppConfig.ready(). Without a provider the page keeps a text field.
A choice's value is what a booking stores in `release_ref`, so it must be a text the releases'
gate criterion recognises as the release (releases.selectors.release_refs)."""

from __future__ import annotations

from collections.abc import Callable

ReleaseChoices = Callable[[], list[tuple[str, str]]]

_provider: ReleaseChoices | None = None


def register(provider: ReleaseChoices) -> None:
    global _provider
    _provider = provider


def release_choices() -> list[tuple[str, str]] | None:
    """(stored value, label) of every release a booking may name now, or None without a provider."""
    return _provider() if _provider is not None else None

"""Every page of the isolation walker's URL list, rendered for a person, as the words they read:
the visible text only (no script, style or attribute), for the tests of what pages say
(tests/test_pages_read_as_people_speak.py)."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.tenancy.canaries import build_canaries
from tests.tenancy.test_isolation_walker import fill, org_routes

# Not read as text: scripts and styles, and what a person typed (a textarea's content). Elements
# marked translate="no" hold code as it is meant to be read (a token's prefix, the keys a person
# types into a mapping); each template says why where it marks one.
_HIDDEN = {"script", "style", "template", "noscript", "textarea"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0  # open elements inside a skipped one, itself included

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        if self._skipping:
            self._skipping += 1
        elif tag in _HIDDEN or ("translate", "no") in attrs:
            self._skipping = 1

    def handle_endtag(self, tag):
        if self._skipping and tag not in _VOID:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def page_paths(org, rows) -> list[str]:
    """The GET paths of every page under /o/ (not the API), filled with `org`'s own rows."""
    paths = []
    for route, pattern in org_routes():
        if route.startswith("o/"):
            paths.append(fill(route, pattern, org.slug, rows))
    return paths


def rendered_pages(client, org) -> tuple[dict[str, str], dict]:
    """({path: visible text} of every page that answers 200, the rows made): one row of each
    model in `org` (the canaries of the isolation tests)."""
    rows = build_canaries(org)
    pages = {}
    for path in page_paths(org, rows):
        response = client.get(path)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            pages[path] = visible_text(response.content.decode())
    return pages, rows

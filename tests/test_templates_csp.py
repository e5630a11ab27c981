"""Every template keeps to the Content-Security-Policy: no inline script, no on...= handler, no
hx-on. The browser test (tests/test_browser_csp.py) opens the main pages; this reads all of them,
so a page it does not visit (a settings page, a confirmation) cannot slip back to inline code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
INLINE = [
    ("an on...= event handler", re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)),
    ("an hx-on attribute", re.compile(r"\shx-on[:-]", re.IGNORECASE)),
    ("an inline <script>", re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)),
]


def _without_comments(text: str) -> str:
    return re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", "", text, flags=re.DOTALL)


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_inline_code_in_templates(path):
    text = _without_comments(path.read_text())
    found = [f"{what}: {match.group(0)[:80]!r}" for what, pattern in INLINE for match in pattern.finditer(text)]
    assert found == []


def test_the_scan_finds_inline_code():
    samples = ['<form onsubmit="return confirm(1)">', '<button hx-on:click="x()">', "<script>alert(1)</script>"]
    for (_what, pattern), sample in zip(INLINE, samples, strict=True):
        assert pattern.search(sample)
    assert not INLINE[2][1].search('<script src="/static/js/sluice.js" defer></script>')

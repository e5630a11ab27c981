"""Times a person reads go through the `moment` filter (vsm/moments.py: the viewer's zone, one
way of writing them). Django's `date` filter stays only where a machine reads the value: a link's
query (`href`), a form field's value (`value`) and `<time datetime>`."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

DATE_FILTER = re.compile(r"\|\s*date\b")
# The attribute a position of a line is inside: its name, then an unclosed quoted value.
OPEN_ATTRIBUTE = re.compile(r"""([\w-]+)=(["'])(?:(?!\2).)*$""")
MACHINE_ATTRIBUTES = {"href", "value", "datetime"}


def _templates() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(path for path in root.glob("**/templates/**/*")
                  if path.suffix in (".html", ".txt") and not {".venv", "node_modules"} & set(path.parts))


def _for_people(line: str) -> list[str]:
    """The `date` filters on `line` whose output a person reads."""
    found = []
    for match in DATE_FILTER.finditer(line):
        attribute = OPEN_ATTRIBUTE.search(line[:match.start()])
        if attribute is None or attribute.group(1) not in MACHINE_ATTRIBUTES:
            found.append(line.strip())
    return found


def test_the_scan_tells_what_a_person_reads_from_what_a_machine_reads():
    assert _for_people('<span title="opened {{ at|date:\'Y-m-d H:i\' }}">')
    assert _for_people("<strong>{{ at|date:'Y-m-d H:i' }}</strong>")
    assert not _for_people('<a href="?date={{ day|date:\'Y-m-d\' }}">')
    assert not _for_people("<input value=\"{{ end|date:'Y-m-d\\TH:i' }}\">")


def test_no_template_shows_a_time_through_the_date_filter():
    templates = _templates()
    assert len(templates) > 100, "the templates were not found"
    found = [f"{path.relative_to(settings.BASE_DIR)}:{number}: {line}"
             for path in templates for number, text in enumerate(path.read_text().splitlines(), start=1)
             for line in _for_people(text)]
    assert not found, "use |moment for times people read:\n" + "\n".join(found)

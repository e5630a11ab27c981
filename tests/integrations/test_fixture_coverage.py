"""Every published payload in tests/fixtures/ has expected records in a test."""

from __future__ import annotations

from tests.integrations import test_github, test_gitlab, test_jenkins, test_jira, test_servicenow
from tests.integrations.support import FIXTURES


def test_every_fixture_file_has_expected_records():
    on_disk = {str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*.json")}
    covered = set()
    for module in (test_github, test_gitlab, test_jenkins, test_jira, test_servicenow):
        covered |= set(module.EXPECTED)

    assert len(on_disk) == 30, f"the fixture folder moved or changed: {FIXTURES}"
    assert sorted(on_disk - covered) == []  # a new fixture needs its expected records
    assert sorted(covered - on_disk) == []

"""What is wrong with a configuration file, each problem with its line and field."""

from __future__ import annotations

from dataclasses import dataclass

from vsm.errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = " ".join(part for part in (f"line {self.line}:" if self.line else "",
                                           f"{self.field}:" if self.field else "") if part)
        return f"{where} {self.message}".strip()


class FileError(InvalidInput):
    """An invalid file: the API answers 400 in its one error shape, `fields` keyed by the file's
    paths (`services[3].team`) and `details.errors` listing each problem with its line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.field or "file", []).append(problem.message)
        count = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{count}", fields=fields,
                         errors=[{"line": p.line, "field": p.field, "message": p.message} for p in problems])

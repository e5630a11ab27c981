"""Reading and writing the configuration file as YAML, keeping every value's line.

PyYAML composes the document into nodes that carry their position (marks); the values are built
from those nodes here rather than by PyYAML's constructor, so every path (`services[3].team`)
keeps the line it came from, and so duplicate keys and shared (aliased) collections, which the
constructor would accept silently or expand, are refused with their line.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

from orgconfig.errors import FileError, Problem
from vsm.nul import nul_at

MAX_DEPTH = 32


def path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Lines:
    """The line (1-based) of each path of a parsed file; an unknown path answers its nearest parent's."""

    def __init__(self):
        self._lines: dict[tuple, int] = {}

    def set(self, path: tuple, line: int) -> None:
        self._lines[path] = line

    def of(self, path: tuple) -> int | None:
        while path not in self._lines and path:
            path = path[:-1]
        return self._lines.get(path)


class _Reader:
    def __init__(self, loader: yaml.SafeLoader):
        self.loader = loader
        self.lines = Lines()
        self.seen: set[int] = set()

    def value(self, node: yaml.Node, path: tuple) -> Any:
        line = node.start_mark.line + 1
        self.lines.set(path, line)
        if len(path) > MAX_DEPTH:
            raise FileError([Problem(line, path_text(path), f"Nested deeper than {MAX_DEPTH} levels.")])
        if isinstance(node, yaml.ScalarNode):
            value = self.loader.construct_object(node, deep=True)
            # Dates and times are written as text in the file's format: keep them as text.
            return value.isoformat() if isinstance(value, datetime | date) else value
        if id(node) in self.seen:
            raise FileError([Problem(line, path_text(path), "Anchors and aliases of lists or mappings are not "
                                                              "supported: write the values out.")])
        self.seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, index)) for index, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise FileError([Problem(key_line, path_text(path), "Keys are names (text).")])
            if key in result:
                raise FileError([Problem(key_line, path_text((*path, key)), f"'{key}' is given twice.")])
            result[key] = self.value(value_node, (*path, key))
            self.lines.set((*path, key), key_line)
        return result


def load(data: bytes) -> tuple[Any, Lines]:
    """The document in `data` and the lines of its values; FileError names the line of any problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError([Problem(None, "", f"The file is not UTF-8 (byte {exc.start}).")]) from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileError([Problem(line, "", "The file contains a NUL character.")])
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FileError([Problem(1, "", "The file is empty: it starts with `version: 1`.")])
        reader = _Reader(loader)
        document = reader.value(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FileError([Problem(mark.line + 1 if mark else None, "", f"Not valid YAML: {exc.problem}.")]) from exc
    except yaml.YAMLError as exc:
        raise FileError([Problem(None, "", f"Not valid YAML: {exc}.")]) from exc
    except RecursionError as exc:
        raise FileError([Problem(None, "", f"Nested deeper than {MAX_DEPTH} levels.")]) from exc
    finally:
        loader.dispose()
    where = nul_at(document, "")
    if where is not None:  # escaped as \0 inside a quoted string
        path = where.lstrip(".")
        raise FileError([Problem(None, path, "Must not contain a NUL character.")])
    return document, reader.lines


class _Dumper(yaml.SafeDumper):
    """Writes every value out: a value met twice (a shared default) is never an alias, which the
    reader refuses."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: dict[str, Any]) -> bytes:
    """The document as YAML in the order it was built: the same document always gives the same bytes."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100).encode("utf-8")

"""The import rules of docs/architecture.md ("App order"): no module-level import cycle inside
the project's packages, and no import of an app that comes later in the app order. Read from the
source (ast), so a rule broken in a module no test imports still fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _app_order() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    paragraph = re.search(r"\*\*App order\.\*\*(.*?):", text, re.S)
    assert paragraph, "docs/architecture.md has no **App order.** paragraph"
    return re.findall(r"`([\w.]+)`", paragraph.group(1))


APPS = _app_order()


def _modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _top_level_imports(body: list[ast.stmt]):
    """What importing the module imports: its top-level statements (under `if` and `try` too),
    not function bodies (run later) nor `if TYPE_CHECKING:` blocks (never run)."""
    for statement in body:
        if isinstance(statement, ast.Import):
            yield from ((alias.name, None) for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and not statement.level:
            yield from ((statement.module, alias.name) for alias in statement.names)
        elif isinstance(statement, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(statement.test):
                yield from _top_level_imports(statement.body + statement.orelse)
        elif isinstance(statement, ast.Try):
            handlers = [line for handler in statement.handlers for line in handler.body]
            yield from _top_level_imports(statement.body + statement.orelse + statement.finalbody + handlers)


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the project modules it imports at load time."""
    graph = {}
    for name, path in modules.items():
        targets = set()
        for module, member in _top_level_imports(ast.parse(path.read_text()).body):
            target = f"{module}.{member}" if member and f"{module}.{member}" in modules else module
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _app_of(module: str) -> str:
    return module.split(".")[0]


def _against_order(graph: dict[str, set[str]]) -> list[str]:
    rank = {app: position for position, app in enumerate(APPS)}
    return sorted(f"{module} imports {target}" for module, targets in graph.items() for target in targets
                  if rank[_app_of(target)] > rank[_app_of(module)])


def test_app_order_names_the_domain_apps():
    assert APPS[0] == "vsm" and {"gates", "environments", "releases", "integrations", "analytics"} <= set(APPS)


def test_no_import_cycle_and_no_import_against_the_app_order():
    graph = _graph(_modules())
    assert _cycles(graph) == []
    assert _against_order(graph) == []


@pytest.mark.parametrize(("graph", "cycles", "against"), [
    ({"gates.services": {"gates.tasks"}, "gates.tasks": {"gates.services"}},
     [["gates.services", "gates.tasks"]], []),
    ({"gates.a": {"gates.b"}, "gates.b": {"gates.c"}, "gates.c": {"gates.a"}},
     [["gates.a", "gates.b", "gates.c"]], []),
    ({"releases.selectors": {"analytics.query"}, "analytics.query": set()},
     [], ["releases.selectors imports analytics.query"]),
    ({"analytics.query": {"releases.selectors"}, "releases.selectors": set()}, [], []),
])
def test_the_checks_fail_on_what_they_look_for(graph, cycles, against):
    assert _cycles(graph) == cycles
    assert _against_order(graph) == against


def test_imports_read_at_load_time_only(tmp_path):
    source = ("from __future__ import annotations\nfrom typing import TYPE_CHECKING\nimport gates.models\n"
              "if TYPE_CHECKING:\n    from releases import models\ntry:\n    from environments import x\n"
              "except ImportError:\n    pass\ndef later():\n    from analytics import y\n")
    assert [module for module, _ in _top_level_imports(ast.parse(source).body)] == [
        "__future__", "typing", "gates.models", "environments"]

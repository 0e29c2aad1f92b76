"""The layers of docs/architecture.md, checked on every product module's imports.

Imports are read from the source (every `import`, at the top or inside a function, type-only ones
included), so a cycle hidden in a function body counts as a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "handlers", "storage", "loopback")
# Which product packages each layer may import; a layer may always import itself.
ALLOWED: dict[str, set[str]] = {
    "storage": set(),
    "loopback": set(),
    "bot.domain": {"storage.models", "storage.vocabulary"},
    "bot.services": {
        "bot.domain",
        "bot.settings",
        "bot.render",
        "bot.telegram.callbacks",
        "storage",
    },
    "bot.telegram": {"bot.domain", "bot.services", "bot.settings", "bot.render", "storage"},
    "handlers": {"bot.domain", "bot.services", "bot.telegram", "bot.render", "storage.models"},
    # The demo console runs the whole application against the fake Bot API.
    "bot.sandbox": {
        "bot.app",
        "bot.domain",
        "bot.services",
        "bot.settings",
        "bot.telegram",
        "storage",
        "loopback",
    },
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts:  # generated migrations
                continue
            found[module_name(path)] = path
    return found


MODULES = product_modules()


def imports_of(name: str, path: Path) -> Iterator[str]:
    """Yield the product modules a module imports, resolved to modules that exist."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import module` imports the module; `from module import name`, the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


GRAPH = {name: set(imports_of(name, path)) for name, path in MODULES.items()}


def layer_of(name: str) -> str | None:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if name == layer or name.startswith(layer + "."):
            return layer
    return None


def within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_no_product_module_is_part_of_an_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if layer_of(name) == layer
        for target in targets
        if not within(target, ALLOWED[layer] | {layer})
    )
    assert wrong == []


def test_storage_imports_nothing_from_bot_or_handlers() -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if name.startswith("storage")
        for target in targets
        if target.startswith(("bot", "handlers"))
    )
    assert wrong == []


def test_only_the_sandbox_imports_the_fake_bot_api() -> None:
    wrong = sorted(
        name
        for name, targets in GRAPH.items()
        if not name.startswith(("loopback", "bot.sandbox"))
        and any(t.startswith("loopback") for t in targets)
    )
    assert wrong == []


def test_the_checker_sees_imports_inside_functions() -> None:
    # `python -m bot run` imports the application inside cmd_run, to fail fast without a token;
    # a checker that read only top-level imports would miss such a cycle.
    assert "bot.app" in GRAPH["bot.__main__"]

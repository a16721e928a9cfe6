"""The layers rule: imports between the packages of ``chitieu`` only point down.

    edges      app, __main__, cli, web, api
    assembly   dashboard, reports
    services   targets, enforcement, indicators, exchange, plans, auth, births, demo,
               reporting, reminders, bootstrap
    reference  catalog, units, ingest
    ground     store, config, errors, metrics, logs, stats

A package may import its own layer or any layer below; ``stats`` imports nothing of the
project; no two packages import each other, directly or round a longer loop; and only the
edges import a web framework (services refuse with domain errors, never HTTP errors). Every
import counts, at the top of a module or inside a function, absolute or relative. The graph is
read from the source with :mod:`ast`, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import textwrap
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("app", "__main__", "cli", "web", "api"),
    ("dashboard", "reports"),
    (
        "targets",
        "enforcement",
        "indicators",
        "exchange",
        "plans",
        "auth",
        "births",
        "demo",
        "reporting",
        "reminders",
        "bootstrap",
    ),
    ("catalog", "units", "ingest"),
    ("store", "config", "errors", "metrics", "logs", "stats"),
)
#: Packages that import nothing of the project.
ISOLATED = ("stats",)
#: Web frameworks only the edges may import.
HTTP_FRAMEWORKS = ("fastapi", "starlette")


@dataclass(frozen=True, slots=True)
class Arrow:
    """One import from package ``source`` to package ``target``, at ``where`` (file:line)."""

    source: str
    target: str
    where: str
    imported: str


def _module_parts(path: Path, src: Path) -> list[str]:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported(node: ast.AST, package: list[str]) -> Iterator[str]:
    """The dotted names an import statement brings in (``from a import b`` gives ``a.b`` too,
    since ``b`` may be a module)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = package[: len(package) - node.level + 1] if node.level else []
        module = ".".join(base + ([node.module] if node.module else []))
        yield module
        for alias in node.names:
            yield f"{module}.{alias.name}"


def _import_nodes(src: Path, root: str) -> Iterator[tuple[list[str], str, ast.AST, list[str]]]:
    """Every import statement under ``root``: the importing module's dotted parts, its
    file:line, the statement, and the dotted names it brings in."""
    for path in sorted((src / root).rglob("*.py")):
        parts = _module_parts(path, src)
        if len(parts) < 2:
            continue  # the root package's own __init__
        package = parts if path.name == "__init__.py" else parts[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = list(_imported(node, package))
            if names:
                yield parts, f"{path.relative_to(src)}:{getattr(node, 'lineno', 0)}", node, names


def arrows(src: Path, root: str) -> list[Arrow]:
    """Every import from one top-level package (or module) of ``root`` to another."""
    found = []
    for parts, where, node, names in _import_nodes(src, root):
        targets = set()
        for name in names:
            dotted = name.split(".")
            if dotted[0] == root and len(dotted) > 1 and dotted[1] != parts[1]:
                targets.add(dotted[1])
        found += [Arrow(parts[1], t, where, ast.unparse(node)) for t in sorted(targets)]
    return found


def http_imports(src: Path, root: str, edges: tuple[str, ...] = LAYERS[0]) -> list[str]:
    """Imports of a web framework (FastAPI, Starlette) below the edges: services answer with
    domain errors and plain values, and only the edges speak HTTP."""
    return [
        f"{where}: {parts[1]} is below the edges but imports {ast.unparse(node)}"
        for parts, where, node, names in _import_nodes(src, root)
        if parts[1] not in edges and any(n.split(".")[0] in HTTP_FRAMEWORKS for n in names)
    ]


def _layer_of(layers: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    return {name: i for i, names in enumerate(layers) for name in names}


def violations(
    src: Path,
    root: str,
    layers: tuple[tuple[str, ...], ...] = LAYERS,
    isolated: tuple[str, ...] = ISOLATED,
) -> list[str]:
    """Every import that breaks the rule, as a sentence naming the file and line."""
    layer = _layer_of(layers)
    found = arrows(src, root)
    out = []
    for package in sorted({a.source for a in found} | {a.target for a in found}):
        exists = (src / root / package).is_dir() or (src / root / f"{package}.py").is_file()
        if package not in layer and exists:
            out.append(f"{root}.{package} is in no layer: add it to LAYERS")
    for a in found:
        if a.source in isolated:
            out.append(f"{a.where}: {a.source} imports nothing of the project, but: {a.imported}")
        elif layer.get(a.target, -1) < layer.get(a.source, -1):
            out.append(f"{a.where}: {a.source} imports {a.target}, a layer above: {a.imported}")
    out += [f"import cycle among packages: {', '.join(c)}" for c in _cycles(found)]
    return out


def _cycles(found: list[Arrow]) -> list[list[str]]:
    """The groups of packages that reach each other through imports (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a in found:
        graph[a.source].add(a.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_imports_only_point_down_the_layers():
    problems = violations(SRC, "chitieu")
    assert not problems, "\n".join(problems)


def test_only_the_edges_speak_http():
    problems = http_imports(SRC, "chitieu")
    assert not problems, "\n".join(problems)


def test_every_package_has_a_layer():
    layer = _layer_of(LAYERS)
    names = {p.stem if p.is_file() else p.name for p in (SRC / "chitieu").iterdir()}
    packages = {
        n
        for n in names
        if (SRC / "chitieu" / n / "__init__.py").exists() or (SRC / "chitieu" / f"{n}.py").exists()
    } - {"__init__"}
    assert packages - set(layer) == set()


# The checker itself, on a tiny package written for the purpose: it must see each kind of
# arrow that breaks the rule, or the test above could never fail.

TINY_LAYERS = (("top",), ("middle", "beside"), ("low",))


def _tiny(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"pkg/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _check(src: Path) -> list[str]:
    return violations(src, "pkg", TINY_LAYERS, isolated=("low",))


def test_the_checker_passes_imports_that_point_down(tmp_path):
    src = _tiny(
        tmp_path,
        {
            "pkg/top/__init__.py": "from pkg.middle import thing\nfrom pkg import low\n",
            "pkg/middle/__init__.py": "from ..low import core\nthing = core\n",
            "pkg/beside.py": "import pkg.middle\n",
            "pkg/low/__init__.py": "from . import core\n",
            "pkg/low/core.py": "import math\n",
        },
    )
    assert _check(src) == []


@pytest.mark.parametrize(
    ("module", "text", "expected"),
    [
        ("pkg/middle/a.py", "from pkg.top import x\n", "middle imports top, a layer above"),
        ("pkg/middle/a.py", "import pkg.top.deep\n", "middle imports top, a layer above"),
        ("pkg/middle/a.py", "from pkg import top\n", "middle imports top, a layer above"),
        ("pkg/middle/a.py", "from ..top import x\n", "middle imports top, a layer above"),
        (
            "pkg/middle/a.py",
            "def later():\n    from pkg.top.b import y\n    return y\n",
            "middle imports top, a layer above",
        ),
        ("pkg/low/a.py", "from pkg.beside import z\n", "low imports nothing of the project"),
        ("pkg/middle/a.py", "from pkg.nowhere import z\n", "pkg.nowhere is in no layer"),
    ],
)
def test_the_checker_fails_on_an_arrow_that_breaks_the_rule(tmp_path, module, text, expected):
    src = _tiny(
        tmp_path,
        {
            "pkg/top/__init__.py": "",
            "pkg/middle/__init__.py": "",
            "pkg/beside.py": "",
            "pkg/low/__init__.py": "",
            "pkg/nowhere/__init__.py": "",
            module: text,
        },
    )
    problems = _check(src)
    assert any(expected in p for p in problems), problems
    assert all(module in p for p in problems if "a layer above" in p)


def test_the_checker_fails_on_a_web_framework_below_the_edges(tmp_path):
    src = _tiny(
        tmp_path,
        {
            "pkg/top/__init__.py": "from fastapi import APIRouter\n",
            "pkg/middle/__init__.py": (
                "def f():\n    from starlette.exceptions import HTTPException\n"
            ),
        },
    )
    problems = http_imports(src, "pkg", edges=("top",))
    assert problems == [
        "pkg/middle/__init__.py:2: middle is below the edges but imports "
        "from starlette.exceptions import HTTPException"
    ]


def test_the_checker_fails_on_a_cycle_within_a_layer(tmp_path):
    src = _tiny(
        tmp_path,
        {
            "pkg/middle/__init__.py": "from pkg.beside import b\na = 1\n",
            "pkg/beside.py": "def b():\n    from pkg.middle import a\n    return a\n",
        },
    )
    assert _check(src) == ["import cycle among packages: beside, middle"]

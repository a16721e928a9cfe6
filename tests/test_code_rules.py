"""Two rules of the code base, read from the source with :mod:`ast` (nothing is imported):

- one database handle: above ``store/``, a function takes the caller's ``Session``, never a
  SQLAlchemy ``Connection`` (nor ``store.db.Db``, which admits one);
- modules stay under :data:`MAX_LINES` lines.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

#: Modules (relative to ``src/chitieu``) whose functions may still take a ``Connection``.
#: ``store/`` is the ground the handles are made in, and ``ingest/`` is bulk code that owns its
#: driver connection (COPY, temporary tables that live as long as the connection).
CONNECTION_ALLOWED_DIRS = ("store/", "ingest/")
#: Modules not converted yet (none now): add an entry only while a module moves to a Session,
#: and remove it once it takes one.
CONNECTION_NOT_YET: frozenset[str] = frozenset()

MAX_LINES = 400
#: Modules over the limit, being split; remove each entry once it is under the limit.
LONG_NOT_YET: frozenset[str] = frozenset()


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(root).as_posix(), path


def _connection_names(tree: ast.Module) -> set[str]:
    """The local names bound to SQLAlchemy's ``Connection`` or to ``chitieu.store.db.Db``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sqlalchemy = node.module.split(".")[0] == "sqlalchemy"
                if (sqlalchemy and alias.name == "Connection") or (
                    node.module.endswith("store.db") and alias.name == "Db"
                ):
                    names.add(alias.asname or alias.name)
    return names


def _mentions(annotation: ast.expr | None, names: set[str]) -> bool:
    if annotation is None:
        return False
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id in names:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "Connection":
            return True  # sqlalchemy.Connection, sa.engine.Connection
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "Connection | None"
            words = node.value.replace("|", " ").replace("[", " ").replace("]", " ").split()
            if any(n in words for n in names):
                return True
    return False


def connection_parameters(root: Path, allowed: tuple[str, ...], not_yet: frozenset[str]):
    """Every function parameter annotated with a Connection outside the allowed modules, as
    ``file:line: function(parameter)``."""
    found = []
    for rel, path in _modules(root):
        if rel.startswith(allowed) or rel in not_yet or "/migrations/" in f"/{rel}":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _connection_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None and _mentions(arg.annotation, names):
                    found.append(f"{rel}:{node.lineno}: {node.name}({arg.arg})")
    return found


def long_modules(root: Path, limit: int, not_yet: frozenset[str]) -> list[str]:
    found = []
    for rel, path in _modules(root):
        if "/migrations/" in f"/{rel}" or rel in not_yet:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{rel}: {lines} lines")
    return found


def test_functions_above_the_store_take_a_session():
    problems = connection_parameters(SRC / "chitieu", CONNECTION_ALLOWED_DIRS, CONNECTION_NOT_YET)
    assert not problems, "take `db: Session` instead of a Connection:\n" + "\n".join(problems)


def test_the_not_yet_list_names_only_modules_that_still_need_it():
    found = connection_parameters(SRC / "chitieu", CONNECTION_ALLOWED_DIRS, frozenset())
    stale = sorted(CONNECTION_NOT_YET - {p.split(":")[0] for p in found})
    assert not stale, f"converted already, remove from CONNECTION_NOT_YET: {stale}"


def test_modules_stay_under_the_line_limit():
    problems = long_modules(SRC / "chitieu", MAX_LINES, LONG_NOT_YET)
    assert not problems, f"split these modules (over {MAX_LINES} lines):\n" + "\n".join(problems)


def test_the_long_list_names_only_long_modules():
    root = SRC / "chitieu"
    stale = [
        rel
        for rel in sorted(LONG_NOT_YET)
        if not (root / rel).exists()
        or len((root / rel).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ]
    assert not stale, f"under the limit already, remove from LONG_NOT_YET: {stale}"


# The checkers themselves, on files written for the purpose.


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_the_handle_checker_sees_each_spelling(tmp_path):
    root = _write(
        tmp_path,
        {
            "a.py": "from sqlalchemy import Connection\ndef f(conn: Connection): ...\n",
            "b.py": "from sqlalchemy.engine import Connection as C\ndef g(*, c: C | None): ...\n",
            "c.py": "import sqlalchemy\nclass K:\n    def m(self, c: sqlalchemy.Connection): ...\n",
            "d.py": "from chitieu.store.db import Db\ndef h(db: 'Db'): ...\n",
            "ok.py": "from sqlalchemy.orm import Session\ndef s(db: Session): ...\n",
            "store/x.py": "from sqlalchemy import Connection\ndef f(conn: Connection): ...\n",
            "later.py": "from sqlalchemy import Connection\ndef f(conn: Connection): ...\n",
        },
    )
    found = connection_parameters(root, ("store/",), frozenset({"later.py"}))
    assert found == ["a.py:2: f(conn)", "b.py:2: g(c)", "c.py:3: m(c)", "d.py:2: h(db)"]


def test_the_line_checker_counts_lines(tmp_path):
    root = _write(tmp_path, {"a.py": "x = 1\n" * 5, "b.py": "x = 1\n" * 4, "c.py": "x\n" * 9})
    assert long_modules(root, 4, frozenset({"c.py"})) == ["a.py: 5 lines"]

"""Every ``chitieu`` command, even ``--help``, imports chitieu.cli first: the heavy libraries must
wait for the command that needs them (start-up went from 2 s to 0.5 s when they did)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = {
    "alembic",
    "argon2",
    "docx",
    "fastapi",
    "jax",
    "matplotlib",
    "numpy",
    "numpyro",
    "openpyxl",
    "pandas",
    "pyarrow",
    "scipy",
    "starlette",
    "uvicorn",
    "weasyprint",
    "yaml",
}


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = (
        "import chitieu.cli, sys; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_option_defaults_copied_into_the_cli_agree_with_their_source() -> None:
    # The CLI keeps its own copy of these defaults (shown by --help) so as not to import the
    # modules that define them.
    from chitieu.cli import demo, imports, inspections, targets
    from chitieu.demo import DEMO_SEED
    from chitieu.enforcement.ranking import YEARS_NOT_INSPECTED
    from chitieu.store.audit import SYSTEM_ACTOR
    from chitieu.targets.scorecard import NATIONAL

    assert demo.DEMO_SEED == DEMO_SEED
    assert imports.SYSTEM_ACTOR == SYSTEM_ACTOR
    assert inspections.YEARS_NOT_INSPECTED == YEARS_NOT_INSPECTED
    assert targets.NATIONAL == NATIONAL

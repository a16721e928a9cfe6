"""Every command run on a database it cannot use (no chitieu schema yet, a server that does
not answer) says where the database is and what to run, exits 1, and writes nothing."""

from __future__ import annotations

import sys

import pytest

from chitieu.cli import main
from chitieu.config import get_settings


@pytest.fixture
def run(monkeypatch, capsys):  # type: ignore[no-untyped-def]
    def run(url: str, *args: str) -> tuple[int, str]:
        monkeypatch.setenv("CHITIEU_DATABASE_URL", url)
        get_settings.cache_clear()
        monkeypatch.setattr(sys, "argv", ["chitieu", *args])
        with pytest.raises(SystemExit) as stopped:
            main()
        return stopped.value.code, capsys.readouterr().err  # type: ignore[return-value]

    yield run
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args",
    [
        ("targets", "status"),
        ("report", "--plan", "HN-SRB-2026-2030", "--period", "2026", "--format", "xlsx"),
        ("export", "dhis2", "--format", "json"),
    ],
)
def test_a_database_without_schema_is_named_with_what_to_run(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, err = run("sqlite:///var/new.db", *args)
    assert code == 1
    assert str(tmp_path / "var" / "new.db") in err  # the absolute path, not "var/new.db"
    assert "no such table" in err and "chitieu db upgrade" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]  # no report file written


def test_a_server_that_does_not_answer_is_named_without_its_password(run):
    code, err = run("postgresql+psycopg://chitieu:s3cret@127.0.0.1:1/none", "targets", "status")
    assert code == 1
    assert "127.0.0.1:1" in err and "s3cret" not in err and "***" in err
    assert "Traceback" not in err

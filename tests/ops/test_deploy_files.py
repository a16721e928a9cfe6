"""The files a province's IT office installs (deploy/) are accepted by the tools that will read
them: ``nginx -t`` on the site, ``systemd-analyze verify`` on the units and timers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALLED_CHITIEU = "/opt/chitieu/.venv/bin/chitieu"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def test_units_and_timers_are_valid(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    chitieu = str(Path(sys.executable).with_name("chitieu"))
    for unit in UNITS:
        text = unit.read_text()
        assert INSTALLED_CHITIEU in text or unit.suffix == ".timer"
        # Verified where this checkout's chitieu is, since verify checks executables exist.
        (tmp_path / unit.name).write_text(text.replace(INSTALLED_CHITIEU, chitieu))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[u.name for u in UNITS]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = done.stdout + done.stderr
    assert done.returncode == 0, complaints
    assert not re.search(r"Unknown key|Failed to parse|bad unit file", complaints), complaints


def test_every_service_has_its_timer_and_the_env_file_names_every_setting() -> None:
    names = {u.name for u in UNITS}
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert timer.with_suffix(".service").name in names
    env = (DEPLOY / "chitieu.env.example").read_text()
    for setting in ("CHITIEU_DATABASE_URL", "CHITIEU_SECRET_KEY", "CHITIEU_SMTP_HOST"):
        assert f"\n{setting}=" in env


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=chitieu.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed here (make test installs them)")
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "chitieu.conf").read_text()
    site = site.replace("/etc/ssl/chitieu/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/chitieu/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "chitieu.conf").write_text(site)
    main = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/chitieu.conf;
}}
"""
    (tmp_path / "nginx.conf").write_text(main)
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr

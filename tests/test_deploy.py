"""The deployment files hold together (no Docker engine here: they are parsed, not run)."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
PACKAGES = [pattern.rstrip("*") for pattern in SETUPTOOLS["packages"]["find"]["include"]]


def test_compose_runs_the_bot_on_postgresql_with_a_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:")
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and "pgdata" in compose["volumes"]
    assert "healthcheck" in db
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env" and (DEPLOY / ".env.example").is_file()
    assert bot["environment"]["AFTERSALES_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db:5432/" in bot["environment"]["AFTERSALES_DATABASE_URL"]
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    )
    assert bot["restart"] == db["restart"] == "unless-stopped"


def test_dockerfile_runs_as_a_user_with_a_health_check() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    assert 'CMD ["aftersales", "run"]' in dockerfile
    copied = set(re.findall(r"^COPY (\w+)/ ", dockerfile, re.M))
    # Every package pip installs is in the image (a missing one fails at the first import).
    pyproject = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert copied == {name.rstrip("*") for name in packages}


def test_systemd_unit_restarts_on_failure_with_an_environment_file() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "aftersales.service").read_text())
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/aftersales/")
    assert service["ExecStart"].endswith("aftersales run")
    assert service["User"] != "root"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_example_settings_are_real_settings() -> None:
    names = set(Settings.model_fields)
    text = (DEPLOY / ".env.example").read_text()
    mentioned = re.findall(r"^#?\s*AFTERSALES_([A-Z_]+)=", text, re.M)
    assert mentioned
    for name in mentioned:
        assert name.lower() in names, name


def test_the_packages_are_declared_at_the_root() -> None:
    """Without package-dir "" = ".", `pip install -e .` falls back to setuptools' import finder
    and warns about "folders with the same name as your package"."""
    assert SETUPTOOLS["package-dir"] == {"": "."}
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert set(PACKAGES) == on_disk


def test_the_image_has_the_report_pdf_font() -> None:
    """The report PDF is rendered in the container: its default font must be installed there."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    runtime = dockerfile.rsplit("FROM ", 1)[1]
    assert "fonts-wqy-microhei" in runtime
    assert Settings(_env_file=None).report_font.startswith("/usr/share/fonts/truetype/wqy/")

"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the services are
there, every command is a real newswatch command, every variable one newswatch reads."""

from pathlib import Path

import pytest
import yaml

from worker.cli import _parser
from worker.settings import ENVIRONMENT, load_settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
NEWSWATCH = [name for name, service in SERVICES.items() if service.get("build")]


def test_the_services():
    assert set(SERVICES) == {"postgres", "worker", "web"}
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    postgres = SERVICES["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert NEWSWATCH == ["worker", "web"]
    for name in NEWSWATCH:
        assert SERVICES[name]["build"] == "."
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.parametrize("name", NEWSWATCH)
def test_commands_are_real_cli_commands(name):
    command = SERVICES[name]["command"]
    assert command[0] == "newswatch"
    parsed = _parser().parse_args(command[1:])  # exits (fails the test) on a bad command
    assert parsed.command in {"run", "serve"}


def test_the_dockerfile_command_is_real():
    cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    argv = yaml.safe_load(cmd.removeprefix("CMD").strip())
    assert argv[0] == "newswatch"
    _parser().parse_args(argv[1:])


@pytest.mark.parametrize("name", NEWSWATCH)
def test_every_variable_is_one_newswatch_reads(name):
    variables = SERVICES[name]["environment"]
    assert set(variables) <= set(ENVIRONMENT), set(variables) - set(ENVIRONMENT)
    assert variables["NEWSWATCH_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_the_variables_really_are_read(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("")
    settings = load_settings(
        None,
        environ={
            "NEWSWATCH_CONFIG": str(config),
            "NEWSWATCH_DATABASE_URL": "postgresql+psycopg://u:p@db:5432/n",
            "NEWSWATCH_WEB_TOKEN": "s3cret",
        },
    )
    assert settings.config_file == config
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/n"
    assert settings.web.token == "s3cret"
    assert set(ENVIRONMENT) == {"NEWSWATCH_CONFIG", "NEWSWATCH_DATABASE_URL", "NEWSWATCH_WEB_TOKEN"}

"""What operators deploy: docker-compose.yml as docker-compose itself reads it, .env.example
against the settings, and the Dockerfile's two images."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from moderation.config import Config, variable_of

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
APP_SERVICES = ("migrate", "api", "worker")
# Settings the compose file decides itself, whatever .env says.
FIXED_BY_COMPOSE = {"MODERATION_DATABASE_URL", "MODERATION_INSTANCE_PATH",
                    "MODERATION_MODEL_CACHE"}


def settings() -> set[str]:
    return {variable_of(setting) for setting in fields(Config)
            if setting.metadata.get("from_env") is not False}


def example_variables() -> dict[str, str]:
    """Every ``NAME=value`` of .env.example, commented out or not."""
    found = re.findall(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    return dict(found)


def docker_compose_config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``docker-compose config`` with ``env`` as the .env file and nothing from our shell."""
    env_file = tmp_path / "env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "docker-compose (Debian's package) validates the file offline"
    return subprocess.run(  # noqa: S603 - our own file
        [docker_compose, "--project-directory", str(ROOT), "--env-file", str(env_file),
         "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, check=False, timeout=60,
        env={"PATH": os.environ["PATH"]})


def compose_config(tmp_path: Path, env: dict[str, str]) -> dict:
    """The services as docker-compose resolves them with ``env`` as the .env file."""
    result = docker_compose_config(tmp_path, env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> dict:
    return compose_config(tmp_path_factory.mktemp("compose"), {"POSTGRES_PASSWORD": "geheim"})


def test_env_example_lists_every_setting_and_nothing_else():
    listed = {name for name in example_variables() if name.startswith("MODERATION_")}
    assert sorted(settings() - listed) == []
    assert sorted(listed - settings()) == []


def test_every_setting_in_env_reaches_every_process(tmp_path):
    sentinels = {name: f"wert-{index}" for index, name in enumerate(sorted(settings()))}
    resolved = compose_config(tmp_path, {"POSTGRES_PASSWORD": "geheim", **sentinels})
    for service in APP_SERVICES:
        environment = resolved[service]["environment"]
        missing = [name for name in settings() - FIXED_BY_COMPOSE
                   if str(environment.get(name)) != sentinels[name]
                   and not (service == "worker" and name.startswith("MODERATION_METRICS_"))]
        assert (service, missing) == (service, [])
        assert environment["MODERATION_DATABASE_URL"] == (
            "postgresql+psycopg://moderation:geheim@db:5432/moderation")


def test_an_unset_setting_is_not_passed_so_the_default_holds(services):
    environment = services["api"]["environment"]
    assert environment["MODERATION_SCORER"] is None
    assert environment["MODERATION_RATE_LIMIT_STORAGE_URL"] == "redis://redis:6379/0"
    assert Config().scorer == "auto"


def test_a_password_is_required(tmp_path):
    result = docker_compose_config(tmp_path, {"POSTGRES_PASSWORD": ""})
    assert result.returncode != 0 and "set POSTGRES_PASSWORD" in result.stderr


def test_every_long_running_service_has_a_health_check(services):
    long_running = {name for name, service in services.items()
                    if name not in {"migrate", "backup"}}
    assert long_running == {"db", "redis", "api", "worker"}
    assert [name for name in long_running if "healthcheck" not in services[name]] == []
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "moderation", "worker",
                                                          "--check"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_workers_scale_out(services):
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["moderation", "worker"]
    assert worker["environment"]["MODERATION_METRICS_PORT"] == "9102"
    assert worker["environment"]["MODERATION_METRICS_HOST"] == "0.0.0.0"  # noqa: S104
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["build"]["target"] == "worker"
    assert worker["build"]["args"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert "models:/models" in " ".join(str(volume) for volume in worker["volumes"]) or any(
        volume.get("target") == "/models" for volume in worker["volumes"]
        if isinstance(volume, dict))


def test_the_api_runs_gunicorn_with_metrics_across_its_processes(services):
    api = services["api"]
    command = api["command"]
    assert command[:3] == ["gunicorn", "-c", "python:moderation.gunicorn_config"]
    assert command[command.index("--workers") + 1] == "4"
    assert command[-1] == "moderation:create_app()"
    assert "container_name" not in api and api["build"]["target"] == "api"
    # gunicorn removes and remakes the folder at start: it lies inside the tmpfs, not on it.
    folder = Path(api["environment"]["PROMETHEUS_MULTIPROC_DIR"])
    assert [str(folder.parent)] == api["tmpfs"]
    mounts = [volume if isinstance(volume, str) else
              f"{volume['source']}:{volume['target']}:{'ro' if volume.get('read_only') else 'rw'}"
              for volume in api["volumes"]]
    assert mounts == ["models:/models:ro"]
    assert api["depends_on"]["redis"]["condition"] == "service_healthy"


def test_api_processes_and_threads_come_from_the_environment(tmp_path):
    api = compose_config(tmp_path, {"POSTGRES_PASSWORD": "geheim", "GUNICORN_WORKERS": "8",
                                    "GUNICORN_THREADS": "4"})["api"]
    command = api["command"]
    assert (command[command.index("--workers") + 1],
            command[command.index("--threads") + 1]) == ("8", "4")


def test_the_backup_runs_only_when_asked(services):
    backup = services["backup"]
    assert backup["profiles"] == ["backup"]
    assert "pg_dump" in " ".join(backup["command"])
    assert backup["depends_on"]["db"]["condition"] == "service_healthy"


def dockerfile_stages() -> dict[str, list[str]]:
    """The Dockerfile's instructions (continuation lines joined) by stage name."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if match := re.match(r"FROM (\S+) AS (\S+)", line):
            current = stages.setdefault(match.group(2), [f"FROM {match.group(1)}"])
        elif line.strip() and not line.startswith("#"):
            current.append(line.strip())
    return stages


def test_the_api_image_is_slim_and_the_worker_image_gets_torch_for_the_cpu():
    stages = dockerfile_stages()
    assert list(stages)[-1] == "api"  # `docker build .` gives the slim image
    chain_of_api = " ".join(stages["api"] + stages["api-packages"])
    assert "torch" not in chain_of_api and "detoxify" not in chain_of_api
    worker_install = " ".join(stages["worker-packages"])
    pinned = next(requirement for requirement in tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["detoxify"]
        if requirement.startswith("torch"))
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in worker_install
    assert f'--index-url "${{TORCH_INDEX_URL}}" "{pinned}"' in worker_install
    assert "COPY --from=worker-packages /opt/venv /opt/venv" in stages["worker"]
    for final in ("api", "worker"):
        assert "USER moderation" in stages[final]
        assert any(line.startswith("HEALTHCHECK") for line in stages[final])


def test_secrets_stay_out_of_the_image_and_the_repository():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", "instance", "backups"} <= set(ignored)
    assert ".env" in (ROOT / ".gitignore").read_text().split()

"""The container deployment files: Dockerfile, .dockerignore and docker-compose.yml.

No Docker engine is needed: the compose file is parsed with PyYAML and, where the docker-compose
executable is installed, validated with `docker-compose config`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("web", "worker", "beat")


def load_compose() -> dict:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(compose, dict), "docker-compose.yml must be a YAML mapping"
    return compose


def services() -> dict:
    return load_compose()["services"]


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, arguments = stripped.partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def test_it_defines_the_full_stack():
    compose = load_compose()
    assert "name" not in compose, "a top-level name: breaks docker-compose 1.29"
    assert "version" not in compose, "the top-level version: key is obsolete"
    assert set(compose["services"]) >= {"db", "redis", *APP_SERVICES}


def test_it_uses_postgres_16_and_redis_7():
    stack = services()
    assert str(stack["db"]["image"]).startswith("postgres:16")
    assert str(stack["redis"]["image"]).startswith("redis:7")


def test_it_gives_postgres_its_credentials_and_a_named_volume():
    compose = load_compose()
    db = compose["services"]["db"]
    env = environment(db)
    assert env["POSTGRES_DB"] == env["POSTGRES_USER"] == env["POSTGRES_PASSWORD"] == "forcerank"
    volume_names = {str(volume).split(":", 1)[0] for volume in db["volumes"]}
    assert volume_names & set(compose.get("volumes") or {}), "db data must live in a named volume"


def test_it_health_checks_every_service_but_beat():
    for name, service in services().items():
        if name == "beat":
            continue
        healthcheck = service.get("healthcheck")
        assert healthcheck and healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_it_health_checks_each_service_with_the_right_probe():
    stack = services()

    def probe(name: str) -> str:
        test = stack[name]["healthcheck"]["test"]
        return " ".join(test) if isinstance(test, list) else str(test)

    assert "pg_isready" in probe("db")
    assert "-U forcerank" in probe("db")
    assert "-d forcerank" in probe("db")
    assert "redis-cli ping" in probe("redis")
    assert "urllib" in probe("web")
    assert "http://127.0.0.1:8000/healthz" in probe("web")
    assert "celery -A config inspect ping" in probe("worker")


def test_it_migrates_before_starting_gunicorn():
    web = command_text(services()["web"])
    assert "migrate" in web
    assert "gunicorn" in web
    assert web.index("migrate") < web.index("gunicorn")
    assert "config.wsgi:application" in web
    assert "0.0.0.0:8000" in web


def test_it_runs_the_celery_worker_and_beat():
    stack = services()
    assert "celery -A config worker" in command_text(stack["worker"])
    assert "celery -A config beat" in command_text(stack["beat"])


def test_it_starts_the_app_only_once_db_and_redis_are_healthy():
    stack = services()
    for name in APP_SERVICES:
        depends_on = stack[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name} must use the long depends_on form"
        for dependency in ("db", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
                f"{name} must wait for {dependency} to be healthy"
            )


def test_it_builds_the_app_services_from_this_directory():
    stack = services()
    for name in APP_SERVICES:
        build = stack[name].get("build")
        context = build.get("context") if isinstance(build, dict) else build
        assert context == ".", f"{name} must build the Dockerfile at the repo root"
        assert stack[name].get("restart") == "unless-stopped"


def test_it_configures_the_app_through_the_environment():
    stack = services()
    for name in APP_SERVICES:
        env = environment(stack[name])
        assert env.get("DATABASE_URL", "").startswith("postgres://"), name
        assert "@db:5432/" in env["DATABASE_URL"], name
        assert env.get("CELERY_BROKER_URL", "").startswith("redis://redis:6379"), name
        assert env.get("SECRET_KEY"), f"{name} must have a SECRET_KEY"
        assert env.get("DEBUG") == "0", f"{name} must run with DEBUG off"
        assert "127.0.0.1" in env.get("ALLOWED_HOSTS", ""), "the web healthcheck needs 127.0.0.1"


def test_it_validates_with_docker_compose():
    executable = shutil.which("docker-compose")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "docker-compose is not on PATH in CI: install the docker-compose package "
                "(apt-get install -y docker-compose) so that docker-compose.yml is validated"
            )
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")
    result = subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"


def test_it_installs_only_the_hashed_runtime_lock_in_the_image():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs, "the Dockerfile installs nothing with pip"
    assert any(
        "--require-hashes" in run and "-r requirements.lock" in run and "--no-cache-dir" in run
        for run in installs
    )
    assert "requirements-dev.lock" not in DOCKERFILE.read_text()


def test_it_collects_static_files_at_build_time():
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    collectstatic = [run for run in runs if "manage.py collectstatic" in run]
    assert collectstatic, "the Dockerfile does not run collectstatic"
    assert "--noinput" in collectstatic[0]
    assert "SECRET_KEY=" in collectstatic[0], "collectstatic needs a build-only SECRET_KEY"
    env_lines = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "ENV"]
    assert not any("SECRET_KEY" in line for line in env_lines), "no SECRET_KEY baked into ENV"


def test_it_runs_gunicorn_as_a_non_root_user():
    instructions = dockerfile_instructions()
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image must switch to a non-root user"
    assert users[-1] not in {"root", "0", "0:0"}
    env = " ".join(arguments for keyword, arguments in instructions if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "PYTHONUNBUFFERED=1" in env
    assert ("EXPOSE", "8000") in instructions
    cmd = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert cmd, "the image has no default command"
    assert "gunicorn" in cmd[-1]
    assert "config.wsgi:application" in cmd[-1]
    assert "0.0.0.0:8000" in cmd[-1]


def test_it_keeps_local_state_out_of_the_build_context():
    entries = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    }
    for required in (".venv", ".git", "db.sqlite3", "staticfiles", ".pytest_cache"):
        assert required in entries, f".dockerignore must exclude {required}"
    assert any("__pycache__" in entry for entry in entries)
    assert any("node_modules" in entry for entry in entries)


def test_gunicorn_bounds_each_request_before_django_sees_it():
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["limit_request_line"] <= 8190
    assert conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190
    assert conf["timeout"] <= 60

"""The container image, checked without docker (`make docker` builds and starts it where docker
is): the Dockerfile as dockerfile-parse reads it and as hadolint lints it, its HEALTHCHECK run
against a real server, and compose.yaml. Building the image is never part of `make test`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from tests.resilience.conftest import StartServer
from tests.resilience.harness import free_port

REPO = Path(__file__).resolve().parents[2]
# Settings that hold secrets (README "Settings"); none may get a value in the image.
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|KEY|CLIENTSECRET|CREDENTIAL", re.I)


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(REPO / "Dockerfile"))


def final_stage(parsed: DockerfileParser) -> list[dict[str, Any]]:
    """The instructions after the last FROM: what the running image is made of."""
    instructions = parsed.structure
    last_from = max(i for i, item in enumerate(instructions) if item["instruction"] == "FROM")
    return instructions[last_from:]


def instructions(parsed: DockerfileParser, name: str) -> list[str]:
    return [item["value"] for item in final_stage(parsed) if item["instruction"] == name]


def test_the_image_runs_as_a_user_without_rights(dockerfile: DockerfileParser) -> None:
    users = instructions(dockerfile, "USER")
    assert users, "no USER: the server would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    # Nothing runs as root after the switch (a later USER root would undo it).
    assert all(user.split(":")[0] not in ("root", "0") for user in users)


def test_the_database_is_on_the_data_volume(dockerfile: DockerfileParser) -> None:
    volumes = [json.loads(value) if value.startswith("[") else value.split()
               for value in instructions(dockerfile, "VOLUME")]
    assert any("/data" in volume for volume in volumes)
    assert dockerfile.envs["OPSLAG_DB"] == "/data/opslag.db"
    assert dockerfile.envs["HOST"] == "0.0.0.0"  # reachable from outside the container


def test_no_secret_is_baked_into_the_image(dockerfile: DockerfileParser) -> None:
    assert not [name for name in dockerfile.envs if SECRET_NAMES.search(name)]
    assert not [name for name in dockerfile.args if SECRET_NAMES.search(name)]
    text = (REPO / "Dockerfile").read_text()
    assert not re.search(r"\b(SLACK|TEAMS|CONNECTIONS__)\w*=", text)
    # The build context never carries a .env or a database into a layer.
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert {"**/.env", "**/*.db"} <= set(ignored)


def healthcheck_command(parsed: DockerfileParser) -> list[str]:
    (value,) = instructions(parsed, "HEALTHCHECK")
    exec_form = value[value.index("CMD") + len("CMD"):].strip()
    command: list[str] = json.loads(exec_form)
    return command


def run_healthcheck(command: list[str], port: int) -> int:
    """The HEALTHCHECK as docker runs it, with this interpreter as the image's `python`."""
    assert command[0] == "python"
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True,
                          timeout=30).returncode


async def test_the_healthcheck_asks_the_server_on_its_port(
    dockerfile: DockerfileParser, start_server: StartServer,
) -> None:
    command = healthcheck_command(dockerfile)
    assert "/healthz" in " ".join(command)
    server = await start_server(background=False)
    port = int(server.url.rsplit(":", 1)[1])
    # In a thread of its own: the server answers on this event loop meanwhile.
    assert await asyncio.to_thread(run_healthcheck, command, port) == 0
    assert await asyncio.to_thread(run_healthcheck, command, free_port()) != 0


def test_the_server_listens_on_port(dockerfile: DockerfileParser) -> None:
    """PORT is honoured: the command names no port of its own, so the setting decides."""
    (command,) = instructions(dockerfile, "CMD")
    assert json.loads(command) == ["opslag", "serve"]
    assert dockerfile.envs["PORT"] == "3000"
    assert "--port" not in (REPO / "Dockerfile").read_text()


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run([str(hadolint), "--no-color", str(REPO / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_starts_it_with_the_volume_and_no_secret() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    service = compose["services"]["opslag"]
    assert "opslag-data:/data" in service["volumes"]
    assert "opslag-data" in compose["volumes"]
    assert service["env_file"][0]["path"] == ".env"  # secrets from a file of the machine's
    assert not [name for name in service.get("environment", {}) if SECRET_NAMES.search(name)]


def test_make_test_never_builds_the_image() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "docker" not in recipe
    assert re.search(r"^docker:", makefile, re.M)

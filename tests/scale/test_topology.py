"""The scale-out topology is described three times: deploy/scale/supervisord.conf (what
`make bench-scale` runs), deploy/Procfile and deploy/compose.yaml. They must name the same
services, listening on the same ports (deploy/scale/topology.env), with the same variables."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

from scripts.bench_scale import SCALE_SERVICES, TOPOLOGY, TOPOLOGY_ENV, read_env_file
from tests.servers import ROOT

PROCFILE = ROOT / "deploy" / "Procfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx.conf"
# Started beside the topology by the scripts (scripts/bench_scale.py), by compose as containers.
DATA_SERVICES = {"postgres": "POSTGRES_PORT", "redis": "REDIS_PORT"}
# Given by the environment, never written in the topology: secrets, folders, a database password.
FROM_ELSEWHERE = {"DIAGNOSTIC_RASA_SECRET", "DIAGNOSTIC_ACTIONS_SECRET", "DIAGNOSTIC_SECRET_KEY",
                  "DIAGNOSTIC_RUN_DIR", "DIAGNOSTIC_LOG_DIR", "POSTGRES_PASSWORD"}  # fmt: skip
VARIABLE = re.compile(r"%\(ENV_(\w+)\)s|\$\{(\w+)(?::-[^}]*)?\}|\$(\w+)")
ASSIGNMENT = re.compile(r"(?:^|\s)([A-Z][A-Z0-9_]*)=")


def referenced(text: str) -> set[str]:
    """The environment variables a piece of a topology file uses (%(ENV_X)s, ${X}, $X)."""
    return {next(group for group in match.groups() if group) for match in VARIABLE.finditer(text)}


def ports(text: str) -> set[str]:
    return {name for name in referenced(text) if name.endswith("_PORT")}


Service = tuple[set[str], set[str]]  # (port variables used, variables set for this service only)


def supervisord_services() -> dict[str, Service]:
    config = configparser.RawConfigParser()
    config.read(TOPOLOGY)
    services = {}
    for section in config.sections():
        if section.startswith("program:"):
            command = config.get(section, "command")
            environment = config.get(section, "environment", fallback="")
            names = {item.split("=", 1)[0].strip() for item in environment.split(",") if "=" in item}
            services[section.removeprefix("program:")] = (ports(command + environment), names)
    return services


def procfile_services() -> dict[str, Service]:
    services = {}
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            program = command.split(" .venv/")[0].split(" bash ")[0]  # the assignments before the program
            services[name.strip()] = (ports(command), set(ASSIGNMENT.findall(program)))
    return services


def compose_file() -> tuple[dict, dict]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data["services"], data["x-shared"]


def compose_services() -> dict[str, Service]:
    services, shared = compose_file()
    found = {}
    for name, service in services.items():
        if name in DATA_SERVICES:
            continue
        own = {key: value for key, value in service.get("environment", {}).items() if key not in shared}
        text = service["command"] + " " + " ".join(f"{key}={value}" for key, value in own.items())
        found[name] = (ports(text), set(own))
    return found


def test_the_three_files_name_the_same_services() -> None:
    services, _ = compose_file()
    assert set(supervisord_services()) == set(procfile_services()) == set(services) - set(DATA_SERVICES)
    assert {program for programs in SCALE_SERVICES.values() for program in programs} == set(
        supervisord_services()
    )


@pytest.mark.parametrize("service", sorted(supervisord_services()))
def test_each_service_uses_the_same_ports_and_variables_everywhere(service: str) -> None:
    supervised = supervisord_services()[service]
    assert procfile_services()[service] == supervised
    assert compose_services()[service] == supervised
    assert supervised[0], f"{service} names no port"


def test_every_port_is_in_the_topology_and_each_service_has_its_own() -> None:
    topology = read_env_file(TOPOLOGY_ENV)
    listening = {
        "actions-1": "ACTIONS_1_PORT", "actions-2": "ACTIONS_2_PORT", "rasa-1": "RASA_1_PORT",
        "rasa-2": "RASA_2_PORT", "web-1": "WEB_1_PORT", "web-2": "WEB_2_PORT",
    }  # fmt: skip
    for service, variable in listening.items():
        assert variable in supervisord_services()[service][0]
    port_names = [name for name in topology if name.endswith("_PORT")]
    values = [topology[name] for name in port_names]
    assert len(set(values)) == len(values), "two services on one port"
    assert {*listening.values(), *DATA_SERVICES.values(), "NGINX_HTTP_PORT", "NGINX_HTTPS_PORT"} == set(
        port_names
    )
    # The data services listen on the topology's ports in compose too, and only nginx is published.
    services, _ = compose_file()
    for name, variable in DATA_SERVICES.items():
        assert ports(services[name]["command"]) == {variable}
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    assert ports(" ".join(services["nginx"]["ports"])) == {"NGINX_HTTP_PORT", "NGINX_HTTPS_PORT"}
    assert ports(NGINX.read_text(encoding="utf-8")) == {"NGINX_HTTP_PORT", "NGINX_HTTPS_PORT"}


def test_every_variable_used_is_defined_in_the_topology_or_given_by_the_environment() -> None:
    topology = set(read_env_file(TOPOLOGY_ENV))
    services, shared = compose_file()
    used = referenced(Path(TOPOLOGY).read_text(encoding="utf-8"))
    used |= referenced(PROCFILE.read_text(encoding="utf-8")) - {
        name for _, names in procfile_services().values() for name in names
    }
    used |= referenced(COMPOSE.read_text(encoding="utf-8"))
    assert used - topology - FROM_ELSEWHERE == set()
    # Compose overrides, for the containers, only variables the topology defines (or secrets).
    overridden = set(shared) | {
        key for service in services.values() for key in service.get("environment", {})
    }
    allowed = topology | FROM_ELSEWHERE | {"SANIC_HOST", "ACTION_ENDPOINT_URL", "DIAGNOSTIC_WEB_PORT",
                                           "NGINX_LISTEN", "NGINX_UPSTREAMS"}  # fmt: skip
    assert overridden <= allowed

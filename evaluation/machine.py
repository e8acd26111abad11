"""The machine a benchmark ran on, as its report states it (French)."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo, else what the platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "?"


def summary() -> str:
    """One line: processor, cores, system."""
    return f"{cpu_model()}, {os.cpu_count()} cœurs, {platform.system()} {platform.release()}"


def load_average() -> str:
    """The load average over 1, 5 and 15 minutes, French decimals."""
    return " / ".join(f"{value:.1f}".replace(".", ",") for value in os.getloadavg())


def details(packages: tuple[str, ...]) -> dict[str, str]:
    """Everything a report states about the machine, with the versions of ``packages``."""
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} Gio"
    except OSError:
        pass
    versions = {}
    for package in packages:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "?"
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": load_average(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }

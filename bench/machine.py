"""What every benchmark prints first: the machine its figures come from."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path


def describe(*libraries: str) -> str:
    """CPU, cores, memory, OS, Python, the load right now, and the versions of ``libraries``."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = "".join(f", {name} {_version(name)}" for name in libraries)
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}{versions}, "
            f"load average {os.getloadavg()[0]:.2f}, {_speed():.0f} ms for a fixed loop")


def _speed() -> float:
    """Milliseconds for ``sum(range(10**7))``, best of five: the same host type runs
    faster or slower from day to day (its neighbours); compare figures within a run, and
    runs of different days by this."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"

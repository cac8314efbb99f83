"""CPU time spent by the parts of a benchmark on this machine, read from ``/proc``: the server
under test (a process and its children), the database and Redis servers beside it, the
load generator (this process) and the whole machine. On a shared 2-core host a row's p99
swings with the neighbours; the CPU a request costs is the steadier figure."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# Processes that serve the server under test: PostgreSQL's backends and Redis.
DATABASE_COMMANDS = frozenset({"postgres", "redis-server"})


@dataclass(frozen=True)
class Usage:
    """CPU seconds used so far."""

    server: float  # the server's process and its children (gunicorn's master and workers)
    database: float  # every PostgreSQL and Redis process
    client: float  # this process: the load generator
    machine: float  # every core's busy time, all processes

    def __sub__(self, earlier: Usage) -> Usage:
        return Usage(self.server - earlier.server, self.database - earlier.database,
                     self.client - earlier.client, self.machine - earlier.machine)

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request: the server's, the database's, and the machine's
        with the load generator's own left out."""
        count = max(requests, 1)
        return {"server": self.server / count * 1000,
                "database": self.database / count * 1000,
                "machine": (self.machine - self.client) / count * 1000}


def usage(server_pid: int) -> Usage:
    """CPU used so far by the server ``server_pid`` (with its children), the database
    servers, this process and the machine."""
    server = database = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        if server_pid in (int(stat.parent.name), int(fields[1])):
            server += seconds
        elif command in DATABASE_COMMANDS:
            database += seconds
    own = resource.getrusage(resource.RUSAGE_SELF)
    return Usage(server, database, own.ru_utime + own.ru_stime, _machine_busy())


def _machine_busy() -> float:
    """Busy CPU seconds of all cores since boot (``/proc/stat``: user, nice, system and
    interrupts; not idle, I/O wait, or time the hypervisor gave to other guests)."""
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in cpu[:7])
    return (user + nice + system + irq + softirq) / TICKS

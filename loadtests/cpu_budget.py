"""CPU budgets for benchmarks: a process tree held to a fraction of the machine's CPU.

On a 2-core machine a server with two cores leaves its load generator no core of its own,
so a server's scaling from one core to two cannot be seen. A budget stands in for cores:
the server gets `cores × fraction` CPU-seconds per second through the kernel's CFS
bandwidth control (cgroup v1 `cpu.cfs_quota_us` or v2 `cpu.max`), and the client keeps
the rest of the machine. Scaling from a budget of one fraction to two is what cores
would give, as long as the machine has CPU left over for the client.

Needs write access to the cpu cgroup hierarchy (root on most machines).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

PERIOD_US = 10_000  # a short period: throttling pauses of at most ~10 ms, not 100 ms
_V1 = Path("/sys/fs/cgroup/cpu")
_V2 = Path("/sys/fs/cgroup")


def available() -> str | None:
    """None when budgets can be set here, else why not."""
    if (_V1 / "cpu.cfs_quota_us").exists():
        root = _V1
    elif "cpu" in _read(_V2 / "cgroup.subtree_control").split():
        root = _V2
    else:
        return "no cpu cgroup controller (v1 /sys/fs/cgroup/cpu, or v2 with cpu enabled)"
    return None if os.access(root, os.W_OK) else f"{root} is not writable (run as root)"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@contextlib.contextmanager
def budget(name: str, cpus: float) -> Iterator[list[str]]:
    """A cgroup allowed `cpus` CPU-seconds per second; yields the argv prefix that starts
    a command (and everything it forks) inside it. Removed on exit, once its processes
    have stopped."""
    v1 = (_V1 / "cpu.cfs_quota_us").exists()
    group = (_V1 if v1 else _V2) / f"imgedge-bench-{os.getpid()}-{name}"
    group.mkdir()
    quota = max(1000, round(cpus * PERIOD_US))
    if v1:
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota))
    else:
        (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
    enter = f'echo $$ > {group / "cgroup.procs"} && exec "$@"'
    try:
        yield ["sh", "-c", enter, "sh"]
    finally:
        for _ in range(50):  # stopped processes leave the group a moment later
            with contextlib.suppress(OSError):
                group.rmdir()
                break
            time.sleep(0.1)

"""Helpers both benchmarks use: reading a dotted path, medians that skip gaps, the machine."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path
from typing import Any


def dotted_get(record: dict[str, Any], path: str) -> Any:
    """record["a"]["b"] for "a.b"; None where a part is missing."""
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def median_of(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, platform and Python of the machine that ran the benchmark."""
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        memory = None
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": memory,
            "platform": platform.platform(), "python": platform.python_version()}

"""Per-node wall time, added to the state's `timings` (summed over loops)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any


def timed(node: Callable[..., Any]) -> Callable[..., Any]:
    name = node.__name__

    @functools.wraps(node)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = node(*args, **kwargs)
        return {**(result or {}), "timings": {name: round(time.perf_counter() - start, 4)}}

    return wrapper

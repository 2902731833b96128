"""Timing helpers shared by the benchmarks: best-of-n wall time and the memory floor."""

from __future__ import annotations

import time

import numpy as np

BLOCK = 1 << 14


def best_of(fn, repeat: int = 3, clock=time.perf_counter) -> float:
    """Best time of ``repeat`` calls [s]: wall time, or CPU time of this process with
    ``clock=time.process_time`` (steadier on a loaded machine)."""
    best = float("inf")
    for _ in range(repeat):
        t = clock()
        fn()
        best = min(best, clock() - t)
    return best


def floor_kernel(*arrays: np.ndarray) -> np.ndarray:
    """Memory-bandwidth floor: read every input once and write one output, in cache-sized
    blocks so that nothing but the streams touches main memory."""
    out = np.empty_like(arrays[0])
    n = out.shape[0]
    for s in range(0, n, BLOCK):
        sl = slice(s, min(s + BLOCK, n))
        o = out[sl]
        np.add(arrays[0][sl], arrays[1][sl], out=o)
        for a in arrays[2:]:
            np.add(o, a[sl], out=o)
    return out


def floor_seconds(*arrays: np.ndarray, repeat: int = 3, clock=time.perf_counter) -> float:
    """Floor time [s]: the faster of the blocked kernel and plain whole-array numpy (wall
    time, or CPU time with ``clock=time.process_time`` as in ``best_of``)."""
    def whole():
        out = np.add(arrays[0], arrays[1])
        for a in arrays[2:]:
            np.add(out, a, out=out)
    return min(best_of(lambda: floor_kernel(*arrays), repeat, clock),
               best_of(whole, repeat, clock))


def alternating(*fns, repeat: int = 3, clock=time.process_time) -> list[float]:
    """Best time [s] of each of ``fns``, run one after the other ``repeat`` times (side by
    side: a change of load hits all of them alike); CPU time of this process by default."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for k, f in enumerate(fns):
            t = clock()
            f()
            best[k] = min(best[k], clock() - t)
    return best

"""The plausibility mode with threads: ``derive`` runs on several partitions at once
(``pair_export``'s threads, Dask's threaded scheduler). It used to set and restore the
process-wide mode, so two threads could leave it at "ignore" (one restores the mode the
other had set): later calls then accepted a testosterone of 450 nmol/L silently."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import labstats
from labstats._warn import _PLAUSIBILITY, thread_plausibility


def test_a_threads_own_mode_is_not_seen_by_others():
    inside, release, seen = threading.Event(), threading.Event(), {}

    def worker():
        with thread_plausibility("ignore"):
            seen["worker"] = _PLAUSIBILITY["mode"]
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    seen["main"] = _PLAUSIBILITY["mode"]  # while the worker is inside its block
    release.set()
    t.join()
    assert seen == {"worker": "ignore", "main": "raise"}
    assert _PLAUSIBILITY["mode"] == "raise"


def test_the_process_mode_reaches_threads_started_inside_it():
    seen = []
    with labstats.plausibility("warn"):
        t = threading.Thread(target=lambda: seen.append(_PLAUSIBILITY["mode"]))
        t.start()
        t.join()
    assert seen == ["warn"] and _PLAUSIBILITY["mode"] == "raise"


def test_derive_in_many_threads_leaves_the_mode_as_it_was():
    frame = pd.DataFrame({"total_testosterone": [10.0, 15.0], "shbg": [40.0, 30.0],
                          "albumin": [43.0, 41.0]})
    for _ in range(4):  # the old code left the mode wrong in about 4 runs of 10
        with ThreadPoolExecutor(4) as pool:
            out = list(pool.map(lambda _: labstats.derive(frame), range(200)))
        assert all(o["free_testosterone"].equals(out[0]["free_testosterone"]) for o in out)
        assert _PLAUSIBILITY["mode"] == "raise"
    with pytest.raises(ValueError, match="450.0 at index 0 is implausible for nmol/L"):
        labstats.free_testosterone([450.0], [40.0])

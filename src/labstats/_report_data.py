"""The data of ``labstats report``: which cohort the notebooks read, checked before they run.

``--data nhanes`` (the default): NHANES 2013-2016 from the extract shipped with labstats;
``--data synthetic``: the calibrated synthetic cohort; ``--data PATH``: a folder of CDC
NHANES files. The choice reaches the notebooks as ``LABSTATS_DATA``
(``labstats.load_cohort``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from labstats.datasets.load import DATA_CHOICES, default_data

__all__ = ["check_data", "data_label", "resolve_data"]


def resolve_data(data: str | os.PathLike | None, *, option: str = "data") -> str:
    """``"nhanes"``, ``"synthetic"`` or the absolute path of an existing folder.

    ``None`` means ``LABSTATS_DATA`` if set, else ``"nhanes"``. A folder is made absolute,
    since the notebooks run in their own folder.

    Raises
    ------
    ValueError
        Neither a named choice nor an existing folder; the message names ``option``.

    Examples
    --------
    >>> resolve_data("NHANES"), resolve_data("synthetic")
    ('nhanes', 'synthetic')
    """
    if data is None:
        data, option = default_data(), "the environment variable LABSTATS_DATA"
    text = os.fspath(data)
    if text.strip().lower() in DATA_CHOICES:
        return text.strip().lower()
    if Path(text).is_dir():
        return str(Path(text).resolve())
    raise ValueError(f"{option} must be 'nhanes' (real NHANES 2013-2016 shipped with labstats, "
                     f"the default), 'synthetic' or an existing folder of CDC NHANES files; "
                     f"got {text!r}, which is neither")


def data_label(data: str) -> str:
    """How the index page names the data a report ran on (``data`` as ``resolve_data``).

    Examples
    --------
    >>> data_label("synthetic")
    'the calibrated synthetic cohort (--data synthetic)'
    """
    if data == "nhanes":
        return "NHANES 2013-2016, the extract shipped with labstats (--data nhanes, the default)"
    if data == "synthetic":
        return "the calibrated synthetic cohort (--data synthetic)"
    return f"NHANES 2013-2016 CDC files in {data} (--data PATH)"


def check_data(data: str) -> None:
    """Fail fast, before any kernel starts, when the notebooks' data cannot be loaded.

    ``"synthetic"`` is built in and always available. Any other choice (``"nhanes"``,
    the embedded extract; a folder of CDC files) is loaded once here exactly as the
    notebooks load it (``labstats.datasets.load_cohort(data)``); a folder that lacks a
    component file (``read_nhanes`` warns and leaves its columns NaN) is an error too.
    Extend this one function when the notebooks gain other data sources.

    Raises
    ------
    FileNotFoundError
        One line saying what is missing or unreadable, and what to do.

    Examples
    --------
    >>> check_data("synthetic")  # built in: nothing to check
    """
    if data == "synthetic":
        return
    from labstats._validate import warn
    from labstats.datasets import load_cohort

    absent = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            load_cohort(data)
        except (OSError, ValueError) as exc:
            reason, missing = " ".join(str(exc).split()), isinstance(exc, FileNotFoundError)
        else:
            reason = missing = None
    for w in caught:  # a missing component file: its columns would be NaN in every notebook
        text = str(w.message)
        if " not found in " in text:
            absent.append(text.split(". These columns")[0])
        else:
            warn(text, w.category)
    if reason is None and not absent:
        return
    if data == "nhanes":
        raise FileNotFoundError(
            f"--data nhanes: the NHANES extract shipped with labstats cannot be read: "
            f"{reason}. Reinstall labstats (pip install --force-reinstall labstats), or use "
            f"--data PATH with a folder of CDC files (python -c \"import labstats; "
            f"labstats.fetch_nhanes()\" downloads them), or --data synthetic.")
    problem = ("the NHANES 2013-2016 files are not in it" if missing else
               f"its NHANES files cannot be read: {reason}" if reason else
               f"files the notebooks need are missing ({'; '.join(absent)})")
    raise FileNotFoundError(
        f"--data {data}: {problem}. Download them into that folder once with: python -c "
        f"\"import labstats; labstats.fetch_nhanes(cache_dir={data!r})\" (DEMO_H.XPT, "
        f"TST_H.XPT, ...); or use --data nhanes (the extract shipped with labstats, no "
        f"download) or --data synthetic.")

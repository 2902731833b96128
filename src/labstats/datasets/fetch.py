"""Download NHANES files from the CDC site into a local cache, safely.

Every file is written to a temporary file in the cache folder and moved into place
with ``os.replace`` only after its length, its SAS-transport header and (if given)
its SHA-256 have been checked, so the cache never holds half a file or an HTML error
page saved as ``.XPT`` (the failure seen when CDC moved its files in December 2024).
Transient failures (connection errors, truncated transfers, HTTP 5xx) are retried
with exponential back-off; permanent ones (404, HTML instead of XPT, checksum
mismatch) are not.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from labstats._validate import warn
from labstats.datasets._nhanes_checks import (
    _XPT_MAGIC,
    IncompleteFileError,
    expected_records,
    file_stem,
    xpt_records,
)
from labstats.datasets._nhanes_layout import COMPONENTS, CYCLES
from labstats.datasets.nhanes import _resolve_components, _resolve_cycles, _source

__all__ = ["CDC_BASE_URL", "default_cache_dir", "fetch_nhanes", "nhanes_url"]

#: Where CDC publishes NHANES data files since December 2024:
#: ``{CDC_BASE_URL}/{begin year}/DataFiles/{FILE}.xpt`` (e.g. .../2013/DataFiles/TST_H.xpt).
#: Override with ``base_url=`` or the environment variable ``LABSTATS_NHANES_URL``.
CDC_BASE_URL = "https://wwwn.cdc.gov/Nchs/Data/Nhanes/Public"

_RETRY_HTTP = {408, 425, 429, 500, 502, 503, 504}
_CHUNK = 1 << 16


def default_cache_dir() -> Path:
    """``LABSTATS_DATA_DIR`` if set, else the platform cache folder + ``/nhanes``."""
    env = os.environ.get("LABSTATS_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("labstats")) / "nhanes"


def nhanes_url(stem: str, begin_year: int, base_url: str | None = None) -> str:
    """URL of one CDC file, e.g. ``nhanes_url("TST_H", 2013)``.

    >>> nhanes_url("TST_H", 2013)
    'https://wwwn.cdc.gov/Nchs/Data/Nhanes/Public/2013/DataFiles/TST_H.xpt'
    """
    base = (base_url or os.environ.get("LABSTATS_NHANES_URL") or CDC_BASE_URL).rstrip("/")
    return f"{base}/{begin_year}/DataFiles/{stem}.xpt"


class _Retry(Exception):
    """A transient failure: worth another attempt."""


def _is_xpt(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(_XPT_MAGIC)) == _XPT_MAGIC


def _problem(path: Path, stem: str, check_counts: bool) -> tuple[str, bool] | None:
    """Why a downloaded or cached file is not whole, and whether the cause is structural
    (a cut: worth another download); None if it is whole."""
    if not _is_xpt(path):
        return "not a SAS transport (XPT) file", True
    try:
        records, _ = xpt_records(path)
    except IncompleteFileError as exc:
        return str(exc), True
    expected = expected_records(stem) if check_counts else None
    if expected is not None and records != expected:
        return f"{records:,} records, but the CDC codebook count of {stem} is {expected:,}", False
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _download_once(url: str, dest: Path, sha256: str | None, timeout: float,
                   progress: bool, check_counts: bool = True) -> None:
    from tqdm import tqdm  # the console bar: tqdm.auto warns in notebooks without ipywidgets

    request = urllib.request.Request(url, headers={"User-Agent": "labstats (python urllib)"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in _RETRY_HTTP:
            raise _Retry(f"HTTP {exc.code} from {url}") from exc
        raise FileNotFoundError(
            f"{url}: HTTP {exc.code} {exc.reason}. The file may not exist for this cycle, or CDC "
            f"moved it: pass base_url= (or set LABSTATS_NHANES_URL), or download it by hand "
            f"from the CDC NHANES pages into {dest.parent}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise _Retry(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from exc
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.isdigit() else None
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest, size = hashlib.sha256(), 0
        with response, os.fdopen(fd, "wb") as out, tqdm(
                total=expected, unit="B", unit_scale=True, desc=dest.name, leave=False,
                disable=not progress) as bar:
            while True:
                try:
                    block = response.read(_CHUNK)
                except (http.client.IncompleteRead, TimeoutError, ConnectionError, OSError) as e:
                    raise _Retry(f"transfer of {url} broke off after {size} bytes ({e})") from e
                if not block:
                    break
                out.write(block)
                digest.update(block)
                size += len(block)
                bar.update(len(block))
        if expected is not None and size != expected:
            raise _Retry(f"truncated transfer of {url}: got {size} of {expected} bytes")
        if not _is_xpt(tmp):
            raise ValueError(
                f"{url} did not return a SAS transport (XPT) file (an HTML page, most likely: "
                f"CDC moves files). Pass base_url=, or download the file by hand into "
                f"{dest.parent}")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ValueError(f"{url}: SHA-256 {digest.hexdigest()} differs from the expected "
                             f"{sha256.lower()}; the file was not saved")
        problem = _problem(tmp, dest.stem, check_counts)
        if problem is not None:
            reason, structural = problem
            if structural:
                raise _Retry(f"incomplete file from {url}: {reason}")
            raise ValueError(f"{url}: {reason}; the file was not saved. If CDC has re-released "
                             f"it with another number of records, pass check_counts=False (to "
                             f"fetch_nhanes and read_nhanes)")
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fetch_one(url: str, dest: Path, sha256, retries: int, backoff: float, timeout: float,
               progress: bool, check_counts: bool = True) -> None:
    reasons = []
    for attempt in range(retries + 1):
        try:
            _download_once(url, dest, sha256, timeout, progress, check_counts)
            return
        except _Retry as exc:
            reasons.append(str(exc))
            if attempt < retries:
                time.sleep(backoff * 2 ** attempt)
    cause = reasons[-1]
    if all(r.startswith("cannot reach") for r in reasons):
        raise ConnectionError(
            f"{cause} ({retries + 1} attempts). If this machine is offline, download "
            f"{dest.stem}.XPT by hand (CDC NHANES pages, or {url}) and put it in {dest.parent}, "
            f"or point LABSTATS_DATA_DIR to a folder holding the files; read_nhanes(folder) "
            f"then reads them without the network")
    raise OSError(f"download of {url} failed after {retries + 1} attempts; last: {cause}")


def fetch_nhanes(cycles=("2013-2014", "2015-2016"), components=None, cache_dir=None, *,
                 base_url: str | None = None, sha256=None, retries: int = 3,
                 backoff: float = 1.0, timeout: float = 60.0, progress: bool = True,
                 force: bool = False, missing: str = "raise", check_counts: bool = True) -> Path:
    """Download NHANES public-use files from CDC into a cache folder.

    Parameters
    ----------
    cycles : sequence of str, default ("2013-2014", "2015-2016")
        Cycles as in ``read_nhanes``.
    components : sequence of str, optional
        CDC file prefixes ("TST", "BIOPRO", ...); DEMO is always fetched. Default all
        that ``read_nhanes`` reads. "INS" for 2011-2012 fetches GLU_G, which holds insulin.
    cache_dir : str or os.PathLike, optional
        Default ``LABSTATS_DATA_DIR`` if set, else the platform cache folder
        (``platformdirs.user_cache_dir("labstats")/nhanes``).
    base_url : str, optional
        Default ``LABSTATS_NHANES_URL`` if set, else ``CDC_BASE_URL``; files are
        fetched from ``{base_url}/{begin year}/DataFiles/{FILE}.xpt``.
    sha256 : mapping of str to str, optional
        Expected SHA-256 per file stem (``{"TST_H": "f06c39..."}``; a file name such as
        ``"TST_H.XPT"`` is taken as its stem); a mismatch is an error and the file is not
        saved. Cached files are checked too. A key that names no NHANES file of
        ``read_nhanes`` (a typo) is an error, never an unchecked file.
    retries : int, default 3
        Further attempts after a transient failure, waiting ``backoff * 2**k`` seconds.
    backoff, timeout : float
        [s] First back-off delay; socket timeout per attempt.
    progress : bool, default True
        Show a tqdm progress bar per file.
    force : bool, default False
        Download again even if a valid file is cached.
    missing : {"raise", "warn"}, default "raise"
        What to do when CDC has no such file (HTTP 404; e.g. BIOPRO_L): raise
        ``FileNotFoundError``, or warn and go on (``read_nhanes`` then gives NaN columns).
    check_counts : bool, default True
        Refuse a file whose record count differs from its CDC codebook count (known for
        2011-2016 and DEMO_L/TST_L). False only if CDC has re-released a file.

    Returns
    -------
    pathlib.Path
        The cache folder; pass it to ``read_nhanes``.

    Raises
    ------
    ConnectionError
        When CDC cannot be reached after all retries; the message says where to put
        files downloaded by hand.
    FileNotFoundError
        For HTTP 404/403 (with ``missing="raise"``).
    ValueError
        If CDC returns something other than an XPT file, the checksum differs, or a
        complete transfer holds another number of records than the CDC codebook.
    OSError
        If every attempt failed for another transient reason (truncated transfers).

    Notes
    -----
    Every file is checked before it is saved, and every cached file before it is kept:
    an XPT header, a whole number of 80-byte records, a complete last observation and
    (``check_counts``) the CDC codebook record count (``read_nhanes_file`` applies the same
    checks). A cut transfer is retried; a cached file that fails is downloaded again,
    with a warning. So ``fetch_nhanes(..., force=True)`` is the fix that
    ``read_nhanes`` names for a truncated file. Tested against a local HTTP server
    serving good, truncated, 404 and HTML responses (``tests/datasets/test_fetch.py``).
    NHANES files are in the public domain [1]_.

    References
    ----------
    .. [1] Centers for Disease Control and Prevention, National Center for Health
       Statistics, "National Health and Nutrition Examination Survey data,"
       Hyattsville, MD. [Online]. Available: https://wwwn.cdc.gov/nchs/nhanes/

    Examples
    --------
    From CDC, ``fetch_nhanes(["2013-2014"], ["TST"])``. From a mirror (any URL that
    urllib opens; here a folder laid out as CDC's site, with small files written for the
    example, so ``check_counts=False``; DEMO, the demographics, always comes along):

    >>> import pathlib, tempfile
    >>> import pandas as pd, pyreadstat
    >>> site = pathlib.Path(tempfile.mkdtemp()) / "2013" / "DataFiles"
    >>> site.mkdir(parents=True)
    >>> for stem, column, value in [("DEMO_H", "RIAGENDR", 1.0), ("TST_H", "LBXTST", 412.6)]:
    ...     pyreadstat.write_xport(pd.DataFrame({"SEQN": [1.0], column: [value]}),
    ...                            str(site / f"{stem}.xpt"), table_name=stem)
    >>> folder = fetch_nhanes(["2013-2014"], ["TST"], tempfile.mkdtemp(),
    ...                       base_url=site.parents[1].as_uri(), progress=False,
    ...                       retries=0, check_counts=False)
    >>> sorted(p.name for p in folder.iterdir())
    ['DEMO_H.XPT', 'TST_H.XPT']
    """
    if missing not in ("raise", "warn"):
        raise ValueError(f"missing must be 'raise' or 'warn', got {missing!r}")
    if int(retries) < 0:
        raise ValueError(f"retries must be 0 or more, got {retries!r}")
    cyc = _resolve_cycles(cycles)
    comps = _resolve_components(components)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    sums = {file_stem(Path(k)): v for k, v in (sha256 or {}).items()}
    known = {f"{c}_{y.suffix}" for c in COMPONENTS for y in CYCLES.values()}
    if set(sums) - known:
        raise ValueError(f"sha256: {sorted(set(sums) - known)} name no NHANES file labstats "
                         f"reads; key the checksums by file stem, e.g. {{'TST_H': '...'}}, "
                         f"or the file name 'TST_H.XPT'")
    for cycle in cyc:
        for comp in comps:
            source, variables = _source(cycle, comp)
            if comp != "DEMO" and not variables:
                continue
            stem = f"{source}_{cycle.suffix}"  # INS for 2011-2012: GLU_G holds insulin
            dest = cache / f"{stem}.XPT"
            if dest.exists() and not force:
                problem = _problem(dest, stem, check_counts)
                if problem is None:
                    if stem in sums and _sha256(dest) != sums[stem].lower():
                        raise ValueError(f"{dest}: cached file's SHA-256 differs from the "
                                         f"expected one; delete it or pass force=True")
                    continue
                if _is_xpt(dest):
                    warn(f"{dest}: the cached file is not whole ({problem[0]}); downloading "
                         f"it again")
            url = nhanes_url(stem, cycle.begin_year, base_url)
            try:
                _fetch_one(url, dest, sums.get(stem), int(retries), float(backoff),
                           float(timeout), progress, check_counts)
            except FileNotFoundError as exc:
                if missing == "raise":
                    raise
                warn(str(exc))
    return cache

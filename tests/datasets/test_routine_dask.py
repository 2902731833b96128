"""The Dask path (issue 12): read_lab_results, pair_results and derive accept a Dask
DataFrame and return a lazy one, partitioned by patient, which on a local dask.distributed
cluster of two worker processes equals the pandas result row for row, dtypes and counts
(``labstats.counts``) included."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import LabstatsWarning, _engines
from labstats.datasets import make_lab_results, pair_results, read_lab_results

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")  # any free port
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.mark.parametrize("shape", ["lis", "mimic", "lis corrections"])
def test_dask_pipeline_equals_pandas_on_a_two_worker_cluster(client, shape):
    """("lis corrections": results issued twice, P then F or F then C: the replaced ones
    are found within a patient's partition, as in pandas.)"""
    assert len(client.scheduler_info()["workers"]) == 2
    export = make_lab_results(80, seed=6, shape=shape.split()[0],
                              corrections=shape.endswith("corrections"))
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    ddf = dd.from_pandas(export, npartitions=4)

    results = read_lab_results(ddf, test_map=test_map)
    assert isinstance(results, dd.DataFrame)  # lazy
    want = read_lab_results(export, test_map=test_map)
    computed, tally = dask.compute(results, labstats.counts(results, compute=False))
    lazy_counts = tally.to_dict()
    got = computed.sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)  # dtypes included
    reported = want.attrs["report"].set_index("source_row")["reason"]
    assert got.set_index("source_row")["reason"].dropna().equals(reported.rename("reason"))
    assert lazy_counts == labstats.counts(results) == labstats.counts(got) == \
        want.attrs["counts"]
    assert want.attrs["counts"]["excluded"] > 0 and want.attrs["counts"]["duplicates"] > 0

    for by in ("specimen", "window"):
        draws = labstats.derive(pair_results(results, by=by))
        assert isinstance(draws, dd.DataFrame)
        expected = labstats.derive(pair_results(want, by=by))
        paired = draws.compute().sort_values(["patient_id", "collected_at"], kind="stable",
                                             ignore_index=True)
        pd.testing.assert_frame_equal(paired, expected)


def test_times_of_several_offsets_with_time_zone_equal_pandas_on_the_cluster(client):
    """An export from Berlin with the offset of each day (+01:00, +02:00): refused before;
    with ``time_zone``, the partitions give pandas' instants, results and draws."""
    export = make_lab_results(60, seed=6, shape="lis")
    export.attrs = {}
    text = pd.to_datetime(export["Collected"]).dt.tz_localize("Europe/Berlin").dt.strftime(
        "%Y-%m-%dT%H:%M:%S%z")
    export["Collected"] = text.str[:-2] + ":" + text.str[-2:]
    ddf = dd.from_pandas(export, npartitions=4)
    with pytest.raises(ValueError, match="Mixed timezones.*time_zone='UTC'"):
        read_lab_results(ddf)
    want = read_lab_results(export, time_zone="Europe/Berlin")
    results = read_lab_results(ddf, time_zone="Europe/Berlin")
    got = results.compute().sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)
    for by in ("specimen", "window"):
        draws = pair_results(results, by=by).compute().sort_values(
            ["patient_id", "collected_at"], kind="stable", ignore_index=True)
        pd.testing.assert_frame_equal(draws, pair_results(want, by=by))


def _write_parts(export, folder, bounds):
    """The export as Parquet files, rows [bounds[k], bounds[k+1]) in file k."""
    folder.mkdir()
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        export.iloc[a:b].to_parquet(folder / f"part-{k}.parquet", index=False)
    return folder


@pytest.mark.parametrize("whole_patients", [True, False])
def test_parquet_parts_with_or_without_a_shuffle(client, tmp_path, whole_patients):
    """Files holding disjoint patients are read without a shuffle, others are shuffled by
    patient; both equal the pandas reader on the same files (strings in pandas' dtype)."""
    export = make_lab_results(60, seed=3, shape="mimic")
    test_map = export.attrs["test_map"]
    export.attrs = {}
    export = export.sort_values("subject_id", kind="stable", ignore_index=True)
    ids = export["subject_id"]  # missing ids (reported rows) sorted last
    same = (ids.iloc[1:].to_numpy() == ids.iloc[:-1].to_numpy()).astype(bool)
    half = len(ids) // 2  # cut between two patients, or inside one (in both files)
    cut = half + 1 + int(np.flatnonzero(same[half:] != whole_patients)[0])
    assert ids.iloc[cut - 1] != ids.iloc[cut] if whole_patients else \
        ids.iloc[cut - 1] == ids.iloc[cut]
    folder = _write_parts(export, tmp_path / "export", [0, cut, len(ids)])
    results = read_lab_results(dd.read_parquet(folder), test_map=test_map)
    shuffled = any(type(e).__name__ == "RearrangeByColumn" for e in results.expr.walk())
    assert shuffled is not whole_patients
    if whole_patients:
        want = read_lab_results(folder, test_map=test_map)
    else:
        with pytest.warns(labstats.LabstatsWarning, match="1 patient.s. have results in"):
            want = read_lab_results(folder, test_map=test_map)
    want = want.drop(columns="source_file")
    got = results.compute().sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)
    draws = pair_results(results).compute().sort_values(
        ["patient_id", "collected_at"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(draws, pair_results(want))


def test_disjoint_patient_ranges():
    assert _engines._disjoint([(1, 5), None, (6, 9)])
    assert _engines._disjoint([("p10", "p19"), ("p20", "p29")])
    assert not _engines._disjoint([(1, 5), (5, 9)])  # patient 5 in both
    assert not _engines._disjoint([(1, 9), (3, 4)])
    assert not _engines._disjoint([(1, 5), False])  # ids of several types
    assert not _engines._disjoint([(1, 5), ("a", "b")])


def test_time_format_is_the_exports_first_as_in_pandas(client):
    """A later partition in another time format is unreadable there too (pandas takes the
    format of the export's first time, not each partition its own)."""
    raw = pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"],
                        "Collected": ["2024-01-02 08:00", "2024-01-02 08:00",
                                      "03/01/2024 09:00", "03/01/2024 09:00"],
                        "Test Code": ["2986-8", "13967-5"] * 2,
                        "Result": ["450", "40", "300", "35"],
                        "Units": ["ng/dL", "nmol/L"] * 2})
    unread = r"2 time\(s\) .*source_row 2: '03/01/2024 09:00'\) and were not read"
    with pytest.warns(LabstatsWarning, match=unread):
        want = read_lab_results(raw)
    assert want["collected_at"].isna().tolist() == [False, False, True, True]
    with pytest.warns(LabstatsWarning, match=unread):  # the same warning, on the client
        got = read_lab_results(dd.from_pandas(raw, npartitions=2)).compute()
    got = got.sort_values("source_row", ignore_index=True).drop(columns="reason")
    pd.testing.assert_frame_equal(got, want)


def test_no_growth_of_module_state_per_read(client):
    """What the reader remembers of a lazy result goes with the result (no leak)."""
    export = make_lab_results(10, seed=1)
    export.attrs = {}
    gc.collect()
    before = len(_engines._LAZY)
    for seed in range(3):
        ddf = dd.from_pandas(export.assign(seed=seed), npartitions=2)
        results = read_lab_results(ddf)
        assert results._name in _engines._LAZY
        del results, ddf
    gc.collect()
    assert len(_engines._LAZY) == before


def test_counts_of_draws_on_dask_are_refused_with_the_reason(client):
    export = make_lab_results(10, seed=1)
    export.attrs = {}
    draws = pair_results(read_lab_results(dd.from_pandas(export, npartitions=2)))
    with pytest.raises(ValueError, match="on Dask, pair_results' counts are not collected"):
        labstats.counts(draws)
    assert labstats.counts(pair_results(read_lab_results(export)))["draws"] > 0


def _recorded(call):
    """(result of call(), [(message, filename) of the warnings it gave])."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [(str(w.message), w.filename) for w in caught]


def _implausible_export():
    """An LIS export with implausible testosterone (ng/dL) in several partitions of 4, one
    of them twice (a cell counted twice), and an implausible albumin."""
    export = make_lab_results(40, seed=6, shape="lis")
    export.attrs = {}
    tt = export.index[export["Test Code"] == "2986-8"]
    export.loc[tt[[3, 30, 60, 61]], "Result"] = ["90000", "80000", "85000", "80000"]
    alb = export.index[export["Test Code"] == "1751-7"]
    export.loc[alb[-2], "Result"] = "4300"
    return export


@pytest.mark.parametrize("mode", ["warn", "raise", "ignore"])
def test_read_warns_as_pandas_once_on_the_client_in_the_callers_mode(client, mode):
    """plausibility("warn") around the Dask reader applies on the workers (implausible
    values kept, as pandas keeps them; before, the workers read in their own "raise" mode
    and reported them), and its warnings are pandas' own: one per analyte and unit, its
    first value at its export row, the count over all partitions, at the caller's line;
    none when the lazy result is computed (any scheduler)."""
    export = _implausible_export()
    with labstats.plausibility(mode):
        want, expected = _recorded(lambda: read_lab_results(export))
        results, got = _recorded(lambda: read_lab_results(dd.from_pandas(export,
                                                                         npartitions=4)))
    assert got == expected
    assert all(filename == __file__ for _, filename in got)
    if mode == "warn":
        assert len(expected) == 2  # testosterone in ng/dL, albumin in g/dL
        assert "90000.0 at index" in expected[0][0] and "4 such values" in expected[0][0]
    else:
        assert expected == []
    for scheduler in (None, "sync"):  # distributed workers, then this process
        with dask.config.set({"dataframe.shuffle.method": "tasks"} if scheduler else {}):
            computed, later = _recorded(lambda s=scheduler: results.compute(scheduler=s))
        assert later == []
        computed = computed.sort_values("source_row", ignore_index=True)
        pd.testing.assert_frame_equal(computed.drop(columns="reason"), want)
    assert labstats.counts(computed) == want.attrs["counts"]
    assert want.attrs["counts"]["used" if mode != "raise" else "reported"] >= 5


def test_unit_cells_first_rows():
    from labstats.datasets._routine_screen import unit_cells

    part = pd.DataFrame({"pid": ["a", "b", None, "a", "c"], "test": ["1", "2", "1", "1", "2"],
                         "value": ["5", "6", "5", "5", "6"]})
    cells = unit_cells(part, {"patient_id": "pid", "test": "test", "value": "value"}, True)
    assert cells["__n"].tolist() == [2, 2, 1] and cells["__first"].tolist() == [0, 1, 2]


def _draws_with_findings(n=60, seed=2):
    """Draws with what derive warns of, spread over partitions: implausible testosterone
    (3 values, in two partitions of 4), triglycerides above Friedewald's 400 mg/dL (2 rows),
    and an insulin column typical of µIU/mL declared in pmol/L (15 values a partition:
    below the check's 20, so only the whole column shows it)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "total_testosterone": rng.uniform(5, 30, n), "shbg": rng.uniform(10, 80, n),
        "albumin": rng.uniform(38, 48, n), "total_cholesterol": rng.uniform(3, 7, n),
        "hdl_cholesterol": rng.uniform(0.8, 2, n), "triglycerides": rng.uniform(0.5, 3, n),
        "glucose": rng.uniform(4.5, 6, n), "insulin": rng.uniform(5, 20, n)})
    frame.loc[[5, 40, 41], "total_testosterone"] = [400.0, 500.0, 450.0]
    frame.loc[[7, 50], "triglycerides"] = [6.0, 8.0]
    return frame


@pytest.mark.parametrize("scheduler", [None, "sync"])
def test_derive_on_dask_warns_as_pandas_once_at_compute(client, scheduler):
    """derive on a Dask frame: its partitions record their warnings, and compute() gives
    pandas' warnings on the whole frame (message and count), once, at the caller's line;
    with the distributed workers and with the scheduler of this process."""
    frame = _draws_with_findings()
    want, expected = _recorded(lambda: labstats.derive(frame, plausibility="warn"))
    assert len(expected) == 3
    assert "3 such values" in expected[0][0] and "at index 5" in expected[0][0]
    assert expected[1][0].startswith("insulin: the column's median")
    assert expected[2][0].startswith("2 rows with triglycerides above 400 mg/dL")
    lazy, built = _recorded(lambda: labstats.derive(dd.from_pandas(frame, npartitions=4),
                                                    plausibility="warn"))
    assert built == [] and isinstance(lazy, dd.DataFrame)
    got, computed = _recorded(lambda: lazy.compute(scheduler=scheduler))
    assert computed == expected
    assert all(filename == __file__ for _, filename in computed)
    pd.testing.assert_frame_equal(got, want)
    assert "labstats_warnings" not in got.attrs
    kept, persisted = _recorded(lambda: lazy.persist(scheduler=scheduler))  # on the workers
    assert persisted == [] and isinstance(kept, type(lazy))
    for _ in range(2):  # the warnings stay with the persisted partitions
        got, computed = _recorded(lambda: kept.compute(scheduler=scheduler))
        assert computed == expected
        pd.testing.assert_frame_equal(got, want)
    import pickle

    got, computed = _recorded(lambda: pickle.loads(pickle.dumps(lazy)).compute(
        scheduler=scheduler))  # a pickled derived frame comes back as one
    assert computed == expected
    one = labstats.derive(dd.from_pandas(frame, npartitions=1), plausibility="warn")
    kept = one.persist(scheduler=scheduler)
    for _ in range(2):  # (one partition: the computed frame is that partition's)
        got, computed = _recorded(lambda: kept.compute(scheduler=scheduler))
        assert computed == expected and "labstats_warnings" not in got.attrs


def test_derive_on_dask_raises_with_column_value_and_row(client):
    frame = _draws_with_findings()
    with pytest.raises(ValueError, match=r"total_testosterone: 400.0 at index 5 is implausib"):
        labstats.derive(frame)
    lazy = labstats.derive(dd.from_pandas(frame, npartitions=4))
    with pytest.raises(ValueError, match=r"total_testosterone: \d+.0 at index \d+ is implaus"):
        lazy.compute()
    lazy = labstats.derive(dd.from_pandas(frame, npartitions=4), plausibility="ignore")
    with pytest.warns(labstats.LabstatsWarning, match="^2 rows with triglycerides") as got:
        computed = lazy.compute()
    with pytest.warns(labstats.LabstatsWarning, match="^2 rows with triglycerides") as want:
        assert computed.equals(labstats.derive(frame, plausibility="ignore"))
    assert [str(w.message) for w in got] == [str(w.message) for w in want]  # no other


def _draws_to_write():
    """``_draws_with_findings`` with a patient id and a time (strings and datetimes to
    write), in 4 partitions of 15 rows."""
    frame = _draws_with_findings()
    frame.insert(0, "patient_id", [f"p{i:03d}" for i in range(len(frame))])
    frame.insert(1, "collected_at", pd.date_range("2024-01-01", periods=len(frame), freq="h"))
    return dd.from_pandas(frame, npartitions=4)


def _warned(call):
    """(call(), [(message, category, filename)] of the warnings it gave), without Dask's own
    (pandas' deprecations met in Dask's Parquet writer when it runs in this process)."""
    import os
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    ours = [w for w in caught if not w.filename.startswith(os.path.dirname(dask.__file__))]
    return out, [(str(w.message), w.category, w.filename) for w in ours]


def _same_files(folder, other):
    """Both folders hold the same Parquet files: names, values, schemas and metadata."""
    import pyarrow.parquet as pq

    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 4 and names == sorted(p.name for p in other.iterdir())
    for name in names:
        assert pq.read_table(folder / name).equals(pq.read_table(other / name),
                                                   check_metadata=True)


@pytest.mark.parametrize("scheduler", [None, "threads"])
def test_derive_on_dask_to_parquet_writes_as_dask_and_warns_as_pandas(client, tmp_path,
                                                                       scheduler):
    """to_parquet of a derived Dask frame writes the files Dask writes (without the
    recorded warnings: pyarrow would try to store them) and gives pandas' warnings on the
    whole frame (message, category, order), at the caller's line; with compute=False, the
    compute() of the lazy write does. On the distributed workers and with threads."""
    import pickle

    ddf = _draws_to_write()
    want, expected = _warned(lambda: labstats.derive(ddf.compute(), plausibility="warn"))
    assert [c for _, c, _ in expected] == [labstats.LabstatsWarning] * 3
    lazy = labstats.derive(ddf, plausibility="warn")
    options = {} if scheduler is None else {"compute_kwargs": {"scheduler": scheduler}}
    done, warned = _warned(lambda: lazy.to_parquet(tmp_path / "draws", **options))
    assert done is None and warned == expected
    assert all(filename == __file__ for *_, filename in warned)
    _, silent = _warned(lambda: dd.DataFrame.to_parquet(lazy, tmp_path / "dask", **options))
    assert silent == []  # Dask's own writer, of the same frame: it calls no method of ours
    _same_files(tmp_path / "draws", tmp_path / "dask")
    kept = lazy.persist(scheduler=scheduler)  # (the warnings stay with its partitions)
    _, warned = _warned(lambda: kept.to_parquet(tmp_path / "kept", **options))
    assert warned == expected
    _same_files(tmp_path / "kept", tmp_path / "dask")
    back = pd.read_parquet(tmp_path / "draws").rename_axis(None)  # (Dask's unnamed index)
    got, computed = _warned(lambda: lazy.compute(scheduler=scheduler))
    assert computed == expected and back.attrs == {}
    pd.testing.assert_frame_equal(back, got)  # row for row, dtypes included
    pd.testing.assert_frame_equal(back, want)

    write, built = _warned(lambda: lazy.to_parquet(tmp_path / "later", write_index=False,
                                                   compute=False))
    assert built == [] and isinstance(write, dd.dask_expr._collection.Scalar)
    assert not list((tmp_path / "later").glob("*.parquet"))
    assert type(pickle.loads(pickle.dumps(write))) is type(write)
    done, warned = _warned(lambda: write.compute(scheduler=scheduler))
    assert done is None and warned == expected
    assert all(filename == __file__ for *_, filename in warned)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "later"),
                                  want.reset_index(drop=True))


def test_derive_on_dask_to_parquet_raises_or_warns_in_raise_mode(client, tmp_path):
    """In "raise" mode (the default), to_parquet raises as compute() does, naming the
    column, the value and its row, and leaves no dataset of unchecked values to be read
    as a result: a folder it made is removed, an existing folder keeps its own files
    only; without implausible values it gives pandas' other warnings (the insulin
    column, the triglycerides rows)."""
    ddf = _draws_to_write()
    lazy = labstats.derive(ddf)
    message = r"total_testosterone: \d+.0 at index \d+ is implausible for nmol/L"
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "mine.txt").write_text("a file of the user's")
    for folder, write in (
            ("raised", lambda: lazy.to_parquet(tmp_path / "raised")),
            ("later", lambda: lazy.to_parquet(tmp_path / "later", compute=False).compute()),
            ("kept", lambda: lazy.to_parquet(tmp_path / "kept"))):
        with pytest.raises(ValueError, match=message):
            write()
        left = sorted(p.name for p in (tmp_path / folder).glob("*")) if (
            tmp_path / folder).exists() else None
        assert left == (["mine.txt"] if folder == "kept" else None), (folder, left)
    ddf = ddf.assign(total_testosterone=ddf["total_testosterone"].clip(upper=30.0))
    want, expected = _warned(lambda: labstats.derive(ddf.compute()))
    assert len(expected) == 2 and expected[0][0].startswith("insulin: the column's median")
    _, warned = _warned(lambda: labstats.derive(ddf).to_parquet(tmp_path / "draws"))
    assert warned == expected
    assert all(filename == __file__ for *_, filename in warned)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "draws").rename_axis(None), want)


#: Run on the workers (exec): count the calls of derive's partition function (the first
#: row label of each partition) in ``module``, or stop counting (``counting`` False).
_COUNT_ON_WORKERS = """
import importlib
mod = importlib.import_module(module)
if counting:
    mod._counted, derive_part = [], mod._derive_part
    def _derive_part(part, names, kw):
        mod._counted.append(int(part.index[0]))
        return derive_part(part, names, kw)
    _derive_part.original = derive_part
    mod._derive_part = _derive_part
else:
    mod._derive_part = mod._derive_part.original
"""


@pytest.mark.parametrize("scheduler", [None, "threads"])
def test_derive_on_dask_to_parquet_derives_each_partition_once(client, tmp_path, scheduler,
                                                               monkeypatch):
    """The written frame and its warnings come from one computation of each derived
    partition (not two, and none kept in memory): on the distributed worker processes
    and with threads."""
    module = labstats._engines.dask_derive.__module__  # (where derive's partitions are)
    ddf = _draws_to_write()
    _, expected = _warned(lambda: labstats.derive(ddf.compute(), plausibility="warn"))
    if scheduler is None:
        client.run(exec, _COUNT_ON_WORKERS, {"module": module, "counting": True})

        def counted():
            return sorted(sum(client.run(eval, f"__import__({module!r}, fromlist=['_'])"
                                               "._counted").values(), []))
    else:
        calls = []
        mod = __import__(module, fromlist=["_"])
        original = mod._derive_part
        monkeypatch.setattr(mod, "_derive_part", lambda part, names, kw: (
            calls.append(int(part.index[0])), original(part, names, kw))[1])

        def counted():
            return sorted(calls)
    options = {} if scheduler is None else {"compute_kwargs": {"scheduler": scheduler}}
    try:
        lazy = labstats.derive(ddf, plausibility="warn")
        _, warned = _warned(lambda: lazy.to_parquet(tmp_path / "draws", **options))
        assert counted() == [0, 15, 30, 45] and warned == expected
        write = lazy.to_parquet(tmp_path / "later", compute=False)
        _, warned = _warned(lambda: write.compute(scheduler=scheduler))
        assert counted() == [0, 0, 15, 15, 30, 30, 45, 45] and warned == expected
        _, warned = _warned(lambda: lazy.compute(scheduler=scheduler))
        assert counted() == sorted([0, 15, 30, 45] * 3) and warned == expected
    finally:
        if scheduler is None:
            client.run(exec, _COUNT_ON_WORKERS, {"module": module, "counting": False})


def test_derive_on_dask_to_parquet_holds_few_derived_partitions(tmp_path):
    """The derived partitions are not kept for the warnings (no persist): with 2 threads,
    at most 3 of 16 are in memory at once while the frame is written."""
    from dask.callbacks import Callback

    frame = pd.concat([_draws_with_findings(seed=s) for s in range(4)], ignore_index=True)
    _, expected = _warned(lambda: labstats.derive(frame, plausibility="warn"))
    lazy = labstats.derive(dd.from_pandas(frame, npartitions=16), plausibility="warn")
    held = []

    class Held(Callback):
        def _posttask(self, key, result, dsk, state, id):
            held.append(sum(isinstance(v, pd.DataFrame) and "labstats_warnings" in v.attrs
                            for v in state["cache"].values()))

    with Held():
        _, warned = _warned(lambda: lazy.to_parquet(tmp_path / "draws", compute_kwargs={
            "scheduler": "threads", "num_workers": 2}))
    assert warned == expected and len(held) > 16 and 1 <= max(held) <= 3

"""A draw across midnight (issue 12, ``by="window"``): a window runs from the draw's first
result, in elapsed time, not by calendar day. A testosterone at 23:50 on 31 December
and an SHBG at 00:20 on 1 January are 30 minutes apart: one draw in a 45-minute window
(and in "1D"), though their dates differ; an albumin at 00:40 is 50 minutes after the
first result: a draw of its own in 45 minutes. Same on pair_export's path by window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import pair_export, pair_results, read_lab_results

EXPORT = pd.DataFrame({
    "Patient ID": ["P1"] * 3,
    "Collected": ["2024-12-31 23:50", "2025-01-01 00:20", "2025-01-01 00:40"],
    "Test Code": ["2986-8", "13967-5", "1751-7"],  # testosterone (ng/dL), SHBG, albumin
    "Result": ["450", "40", "4.2"],
    "Units": ["ng/dL", "nmol/L", "g/dL"]})


@pytest.mark.parametrize(("window", "draws"), [("45min", 2), ("1h", 1), ("1D", 1),
                                               ("15min", 3)])
def test_a_window_runs_across_midnight(tmp_path, window, draws):
    path = tmp_path / "export.parquet"
    EXPORT.to_parquet(path, index=False)
    memory = pair_results(read_lab_results(EXPORT), by="window", window=window)
    export = pair_export(path, by="window", window=window)
    for got in (memory, export):
        assert len(got) == draws
        first = got.iloc[0]
        assert first["collected_at"] == pd.Timestamp("2024-12-31 23:50")
        # 450 ng/dL = 15.60 nmol/L (x 10 / 288.42, the molar mass of testosterone)
        assert np.isclose(first["total_testosterone"], 450 * 10 / 288.42)
        if draws < 3:  # the SHBG 30 minutes later, on the next date, is in the first draw
            assert first["shbg"] == 40.0
            assert first["collected_until"] >= pd.Timestamp("2025-01-01 00:20")
        assert got["albumin"].notna().sum() == 1
    pd.testing.assert_frame_equal(export.drop(columns="specimen_id", errors="ignore"),
                                  memory.drop(columns="specimen_id", errors="ignore"))

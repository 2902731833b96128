"""Laws of labstats.datasets.read_lab_export, stated as hypothesis properties.

Reading an export, writing the result and reading it again is lossless (CSV and
Parquet); rows are never dropped or reordered; a plain number is read as that number.
"""

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.datasets import read_lab_export

number = st.floats(min_value=0.01, max_value=90.0, allow_nan=False).map(lambda x: round(x, 4))
cell = st.one_of(
    number.map(repr),
    number.map(lambda x: f"<{x!r}"),
    number.map(lambda x: f"> {x!r}"),
    st.sampled_from(["", "NA", "ND"]),
)
exports = st.integers(min_value=1, max_value=25).flatmap(lambda n: st.fixed_dictionaries({
    "tt": st.lists(cell, min_size=n, max_size=n),
    "shbg": st.lists(number.map(repr), min_size=n, max_size=n),
    "comma": st.booleans(),
    "policy": st.sampled_from(["lod/sqrt2", "lod/2", "lod", "nan"]),
}))
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _export(ex):
    tt = [c.replace(".", ",") for c in ex["tt"]] if ex["comma"] else ex["tt"]
    return pd.DataFrame({"Sample ID": [f"s{i:03d}" for i in range(len(tt))],
                         "Testosterone (nmol/L)": tt, "SHBG": ex["shbg"],
                         "Comment": ["ok"] * len(tt)})


@given(ex=exports)
@SETTINGS
def test_csv_read_write_read_is_lossless(tmp_path_factory, ex):
    folder = tmp_path_factory.mktemp("roundtrip")
    _export(ex).to_csv(folder / "raw.csv", index=False, sep=";" if ex["comma"] else ",")
    first = read_lab_export(folder / "raw.csv", censored=ex["policy"],
                            limits={"Testosterone (nmol/L)": 1.0})
    first.to_csv(folder / "again.csv", index=False)
    second = read_lab_export(folder / "again.csv", censored=ex["policy"])
    pd.testing.assert_frame_equal(second, first)


@given(ex=exports, fmt=st.sampled_from(["parquet", "xlsx"]))
@SETTINGS
def test_parquet_and_excel_read_write_read_is_lossless(tmp_path_factory, ex, fmt):
    folder = tmp_path_factory.mktemp("roundtrip")
    first = read_lab_export(_export(ex), censored=ex["policy"],
                            limits={"Testosterone (nmol/L)": 1.0})
    path = folder / f"again.{fmt}"
    first.to_parquet(path) if fmt == "parquet" else first.to_excel(path, index=False)
    second = read_lab_export(path, censored=ex["policy"])
    pd.testing.assert_frame_equal(second, first)


@given(ex=exports)
@SETTINGS
def test_rows_kept_in_order_and_numbers_read_exactly(ex):
    raw = _export(ex)
    out = read_lab_export(raw, limits={"Testosterone (nmol/L)": 1.0})
    assert out["Sample ID"].tolist() == raw["Sample ID"].tolist()
    assert out["shbg"].tolist() == [float(x) for x in ex["shbg"]]
    for text, value, side in zip(ex["tt"], out["total_testosterone"],
                                 out.get("total_testosterone_censored",
                                         pd.Series([pd.NA] * len(out))), strict=True):
        if text.startswith("<"):
            assert side == "left" and value == float(text[1:]) / math.sqrt(2)
        elif text.startswith(">"):
            assert side == "right" and value == float(text[1:])
        elif text == "ND":
            assert side == "left" and value == 1.0 / math.sqrt(2)
        elif text in ("", "NA"):
            assert math.isnan(value)
        else:
            assert value == float(text)

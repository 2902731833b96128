"""Rebuild ``src/labstats/datasets/cdc_growth_lms.csv.gz`` from CDC's growth-chart data (by hand).

Source: ``../shared/data/reference/cdc_growth_lms.csv``, the CDC 2000 growth-chart LMS
reference data (Kuczmarski et al., Vital Health Stat 11(246), 2002; public domain, US
government work) as distributed in CDC's ``cdcanthro`` R package v0.1.3
(github.com/CDC-DNPAO/CDCAnthro, data ``cdc.ref``). Each ``denom == "age"`` row holds the
parameters of a chart at ``_AGEMOS1`` (columns ``_L<X>1 _M<X>1 _S<X>1``) and at the next
reference age ``_AGEMOS2`` (``_L<X>2 ...``). The package file is the tidy list of reference
points: every ``_AGEMOS1`` row where the chart is defined plus the chart's last
``_AGEMOS2`` point (for BMI, stature and weight 240.0 months), as cdcanthro builds them.
The script checks that each row's ``_AGEMOS2`` point equals the next row's ``_AGEMOS1``
point, so nothing is lost by keeping one of them.

Numbers are written with Python's shortest round-trip repr of the doubles parsed from the
source by Python's ``float()``: the package holds CDC's values exactly.

Usage, from the project root with ``../shared`` beside it::

    python scripts/make_cdc_growth_data.py            # (re)write the package file
    python scripts/make_cdc_growth_data.py --check    # exit 1 unless the file is current
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "labstats" / "datasets" / "cdc_growth_lms.csv.gz"
SOURCE = "data/reference/cdc_growth_lms.csv"

# measure name in labstats -> chart code in the CDC file
CHARTS = {"bmi": "BMI", "weight": "WT", "height": "HT", "head_circumference": "HC",
          "length": "LG"}


def build(shared: Path) -> bytes:
    import numpy as np
    import pandas as pd

    src = pd.read_csv(shared / SOURCE, dtype=str)  # text: parsed by float() below, exactly
    src = src[src["denom"] == "age"]
    src = src.astype({c: float for c in src.columns if c.startswith("_") or c == "SEX"})
    parts = []
    for measure, code in CHARTS.items():
        for sex, rows in src.groupby("SEX", sort=True):
            rows = rows.sort_values("_AGEMOS1")
            rows = rows[rows[f"_M{code}1"].notna()]
            one = rows[["_AGEMOS1", f"_L{code}1", f"_M{code}1", f"_S{code}1"]].to_numpy()
            two = rows[["_AGEMOS2", f"_L{code}2", f"_M{code}2", f"_S{code}2"]].to_numpy()
            if not np.array_equal(two[:-1], one[1:]):
                raise AssertionError(f"{code} sex {sex}: _AGEMOS2 points differ from the next row")
            pts = np.vstack([one, two[-1:]])
            parts.append(pd.DataFrame({"measure": measure, "sex": int(sex),
                                       "age_months": pts[:, 0], "L": pts[:, 1],
                                       "M": pts[:, 2], "S": pts[:, 3]}))
    out = pd.concat(parts, ignore_index=True)
    header = (f"# CDC 2000 growth charts, LMS parameters by age in months (sex 1 boys, 2 girls);"
              f" public domain (CDC/NCHS, Kuczmarski et al. 2002), via cdcanthro v0.1.3;"
              f" built by scripts/make_cdc_growth_data.py from {SOURCE} (SHA-256 "
              f"{hashlib.sha256((shared / SOURCE).read_bytes()).hexdigest()[:16]})\n")
    text = header + out.to_csv(index=False, lineterminator="\n")
    return text.encode()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    content = build(args.shared)
    if args.check:
        same = OUT.exists() and gzip.decompress(OUT.read_bytes()) == content
        print("current" if same else f"{OUT.name} differs from what the script writes")
        return 0 if same else 1
    OUT.write_bytes(gzip.compress(content, compresslevel=9, mtime=0))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

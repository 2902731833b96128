"""Rebuild the reference data of tests/reference from the team's shared data (run by hand).

The test suite must run in a fresh clone, without ``../shared`` beside the project, so every
file the tests read ships in ``tests/reference``. This script writes those that come from
``../shared/data``, and records each one's source and SHA-256 in
``tests/reference/SOURCES.md`` (``tests/test_fixtures.py`` checks the files against it):

* verbatim copies of the published test vectors and of the peer outputs
  (``../shared/data/reference``, provenance in ``../shared/science/PEERS.md`` and in the
  ``source`` column of ``test_vectors.csv``);
* ``r-survey-nhanes.csv.xz``: the ``nhanes`` example data of R's survey package, unchanged
  (xz-compressed);
* ``cdc_growth_zscores_nhanes.csv.xz``: cdcanthro's z-scores of its NHANES example data.

Usage, from the project root with ``../shared`` beside it::

    python scripts/make_test_fixtures.py           # (re)write the files and SOURCES.md
    python scripts/make_test_fixtures.py --check   # exit 1 unless the files in the repo
                                                   # hold exactly what it would write

``--shared PATH`` reads another copy of the shared folder. The comparison is on the
decompressed content, so another xz version (other compressed bytes) is not a difference.
NHANES participant data are not copied here: the tests read them through
``tests.conftest.nhanes_frame`` (the embedded extract, ``labstats.load_nhanes``, which
carries weight, height and BMI for the BMI test of ``tests/formulas/test_metabolic.py``).
The CDC codebook counts ship in the package (``labstats/datasets/nhanes_counts.csv``).
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "reference"
SOURCES_MD = OUT / "SOURCES.md"
BY_HAND_MD = OUT / "SOURCES_BY_HAND.md"

PEER_FILES = {
    "peer_outputs_freee2simulator.csv":
        "pmapcat/freee2simulator @ae5d6cd (index.html CalculateFreeE2), run in node with the "
        "DOM stubbed, on the common free-T grid (PEERS.md section 1, row 5)",
    "peer_outputs_ldl_ldlcalc_clincalc.csv":
        "cran/LDLcalc 2.1 (R) and pacharanero/clincalc 0.4.0 (PyPI) run on a common "
        "TC/HDL/TG grid (PEERS.md sections 3, 'Extra output files')",
    "peer_outputs_nephro_egfr.csv":
        "cran/nephro 1.5 (R 4.2.2): CKD-EPI 2021 creatinine, 2012 cystatin C, 2021 "
        "creatinine-cystatin C, printed to 10 significant digits (PEERS.md section 2)",
    "peer_outputs_outlabs.csv":
        "nmillrr/outlabs @0d290fd free-testosterone-calculator/freeT/models.py, run "
        "unmodified on the common free-T grid (PEERS.md section 1, row 3)",
    "peer_outputs_ukbiobank_sodergard.csv":
        "tcameronwaller/uk_biobank @7240119 package/organization.py, free and bioavailable "
        "testosterone, run on the common free-T grid (PEERS.md section 1, row 4)",
    "peer_outputs_ukbiobank_sodergard_estradiol.csv":
        "tcameronwaller/uk_biobank @7240119 package/organization.py, free and bioavailable "
        "oestradiol (PEERS.md section 1, row 4)",
}

@dataclass(frozen=True)
class Fixture:
    name: str  # file name in tests/reference
    sources: tuple[str, ...]  # paths relative to the shared folder
    provenance: str
    build: Callable[[Path], bytes]  # shared folder -> uncompressed content


def _verbatim(rel: str) -> Callable[[Path], bytes]:
    return lambda shared: (shared / rel).read_bytes()


FIXTURES = (
    Fixture("test_vectors.csv", ("data/reference/test_vectors.csv",),
            "published worked examples and peers' test values; each row's `source` column "
            "names its origin (paper, calculator page, peer repository @commit)",
            _verbatim("data/reference/test_vectors.csv")),
    *(Fixture(name, (f"data/reference/{name}",), text, _verbatim(f"data/reference/{name}"))
      for name, text in PEER_FILES.items()),
    Fixture("r-survey-nhanes.csv.xz", ("data/r-survey-nhanes.csv",),
            "the `nhanes` example data set of R's survey package 4.1-1 (Debian 12 "
            "r-cran-survey 4.1-1-1; T. Lumley), `data(nhanes, package = \"survey\")` written "
            "with `write.csv(nhanes, row.names = FALSE)`: NHANES 2009-2010 (CDC/NCHS, public "
            "domain), 8,591 rows x 7 columns; SHA-256 of the CSV as published in "
            "../shared/data/r-survey-nhanes.md: "
            "336fe11c562020cd9be7008c524b284f5e4fb537457937167164456ab93dfaba",
            _verbatim("data/r-survey-nhanes.csv")),
    Fixture("cdc_growth_zscores_nhanes.csv.xz",
            ("data/reference/cdc_growth_zscores_nhanes.csv",),
            "CDC's R package cdcanthro v0.1.3 (CDC-DNPAO/CDCAnthro, Apache-2.0), "
            "`cdcanthro(d, age=agemos, wt=wt, ht=ht, bmi=bmi, all=TRUE)` under R 4.2.2 on half "
            "of its NHANES example data (children 2-19 y, seqn even; 3,144 rows): weight, "
            "stature and BMI z-scores, centiles, modified z, interpolated BMI L/M/S, extended "
            "BMI z (Wei 2020); ../shared/data/reference/CDC_GROWTH.md; unchanged, xz-compressed",
            _verbatim("data/reference/cdc_growth_zscores_nhanes.csv")),
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(name: str, content: bytes) -> bytes:
    if name.endswith(".xz"):
        return lzma.compress(content, preset=9 | lzma.PRESET_EXTREME)
    return content


def _decode(path: Path) -> bytes:
    data = path.read_bytes()
    return lzma.decompress(data) if path.name.endswith(".xz") else data


def sources_md(entries: list[tuple[Fixture, bytes, dict[str, str]]]) -> str:
    lines = [
        "# tests/reference: sources of the files copied from ../shared",
        "",
        "Written by `scripts/make_test_fixtures.py` (run by hand from the project root with "
        "the team's `../shared` beside it; `--check` proves the files unchanged). "
        "`tests/test_fixtures.py` checks every file below against the SHA-256 of its "
        "(decompressed) content. The other files of this folder are R outputs written by "
        "the `make_*.R` scripts beside them (each script names its inputs), and "
        "hand-transcribed published tables (named in the tests that read them).",
        "",
        "| file | SHA-256 of the content (decompressed) | built from (SHA-256, first 16 digits) "
        "| source |",
        "|---|---|---|---|",
    ]
    for fx, content, src_sha in entries:
        built = "; ".join(f"`{s}` ({h[:16]})" for s, h in src_sha.items())
        lines.append(f"| `{fx.name}` | `{_sha(content)}` | {built} | {fx.provenance} |")
    # the paragraphs on files written by hand or by other scripts (R, the gamlss port),
    # kept in SOURCES_BY_HAND.md: a rerun keeps them
    return "\n".join(lines) + "\n\n" + BY_HAND_MD.read_text(encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the team's shared folder (default: ../shared)")
    parser.add_argument("--check", action="store_true",
                        help="compare the files in tests/reference with what would be written")
    args = parser.parse_args(argv)
    if not (args.shared / "data").is_dir():
        print(f"--shared {args.shared}: no data folder there; pass --shared PATH",
              file=sys.stderr)
        return 2
    entries = []
    differ = []
    for fx in FIXTURES:
        content = fx.build(args.shared)
        src_sha = {s: _sha((args.shared / s).read_bytes()) for s in fx.sources}
        path = OUT / fx.name
        if args.check:
            if not path.exists() or _decode(path) != content:
                differ.append(fx.name)
        else:
            path.write_bytes(_encode(fx.name, content))
        entries.append((fx, content, src_sha))
    text = sources_md(entries)
    if args.check:
        if not SOURCES_MD.exists() or SOURCES_MD.read_text(encoding="utf-8") != text:
            differ.append(SOURCES_MD.name)
        if differ:
            print("differ from what make_test_fixtures.py writes: " + ", ".join(differ),
                  file=sys.stderr)
            return 1
        print(f"{len(FIXTURES)} files and SOURCES.md are as the script writes them")
        return 0
    SOURCES_MD.write_text(text, encoding="utf-8")
    total = sum((OUT / fx.name).stat().st_size for fx in FIXTURES)
    print(f"wrote {len(FIXTURES)} files ({total:,} bytes) and {SOURCES_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

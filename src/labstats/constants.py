"""Every equation constant labstats uses: value, unit and source.

Association constants are in L/mol, molar masses in g/mol. Where a value was taken
from a secondary source (the primary paper not read), the comment says so; see
``../shared/science/FORMULAS.md`` for the evidence behind each tag.
"""

from __future__ import annotations

# --- Vermeulen 1999 -------------------------------------------------------------------
# Vermeulen A, Verdonck L, Kaufman JM. J Clin Endocrinol Metab 84(10):3666-3672, 1999,
# doi:10.1210/jcem.84.10.6079. Values as printed on the ISSAM explanation page by the
# same group (issam.ch/freetesuit.html) and quoted from the paper's text.

#: T-SHBG association constant [L/mol]; Vermeulen 1999 ("K = 10^9 M^-1", ISSAM page).
K_SHBG_T_VERMEULEN_1999 = 1.0e9
#: T-albumin association constant [L/mol]; Vermeulen 1999 ("3.6 x 10^4 L/mol").
K_ALB_T_VERMEULEN_1999 = 3.6e4
#: Albumin molar mass [g/mol] of Vermeulen 1999 / ISSAM ("43 g/l / 69000 (molecular weight
#: alb.)"; the paper's "43 g/L (6.2 x 10^-4 mol/L)" implies 69,000-69,400).
ALBUMIN_MOLAR_MASS_VERMEULEN_1999 = 69_000.0
#: Albumin assumed when none was measured [g/L]; Vermeulen 1999: "for routine purposes FT
#: could be calculated assuming an albumin concentration of 43 g/L".
DEFAULT_ALBUMIN_G_L = 43.0

# --- Södergård 1982 -------------------------------------------------------------------
# Södergård R, Bäckström T, Shanbhag V, Carstensen H. J Steroid Biochem 16(6):801-810,
# 1982, doi:10.1016/0022-4731(82)90038-3 (PMID 7202083). Constants at 37 °C, identical in
# three independent implementations citing the paper (primary text not read here).

#: T-SHBG association constant at 37 °C [L/mol]; Södergård 1982.
K_SHBG_T_SODERGARD_1982 = 5.97e8
#: T-albumin association constant at 37 °C [L/mol]; Södergård 1982.
K_ALB_T_SODERGARD_1982 = 4.06e4
#: E2-SHBG association constant at 37 °C [L/mol]; Södergård 1982.
K_SHBG_E2_SODERGARD_1982 = 3.14e8
#: E2-albumin association constant at 37 °C [L/mol]; Södergård 1982.
K_ALB_E2_SODERGARD_1982 = 4.21e4

# --- Emadi-Konjin 2003 ----------------------------------------------------------------
# Emadi-Konjin P, Bain J, Bromberg IL. Clin Biochem 36(8):591-596, 2003,
# doi:10.1016/S0009-9120(03)00076-6 (PMID 14636872); values from two secondary sources.

#: T-SHBG association constant [L/mol]; Emadi-Konjin 2003.
K_SHBG_T_EMADI_KONJIN_2003 = 1.4e9
#: T-albumin association constant [L/mol]; Emadi-Konjin 2003.
K_ALB_T_EMADI_KONJIN_2003 = 1.3e4

# --- Ross 2005 ------------------------------------------------------------------------
# Ross HA, Meuleman EJ, Sweep FCGJ. Clin Chem Lab Med 43(6):613-616, 2005,
# doi:10.1515/CCLM.2005.106. Constants of the Vermeulen model fitted to symmetric
# dialysis in 30 elderly men (values from the abstract).

#: T-SHBG association constant [L/mol]; Ross 2005 (abstract).
K_SHBG_T_ROSS_2005 = 1.13e9
#: T-albumin association constant [L/mol]; Ross 2005 (abstract).
K_ALB_T_ROSS_2005 = 4.4e4

# --- Free androgen index --------------------------------------------------------------
#: FAI = FAI_SCALE x TT / SHBG, both in nmol/L; Wilke TJ, Utley DJ. Clin Chem
#: 33(8):1372-1375, 1987.
FAI_SCALE = 100.0

"""Frames kept in another frame's ``attrs`` (``read_lab_results``' per-row report).

pandas compares ``attrs`` when it concatenates or merges frames (``pd.concat`` keeps them
only when every input's are equal, pandas >= 2.1: ``NDFrame.__finalize__``, ``obj.attrs ==
attrs``). A DataFrame inside ``attrs`` makes that comparison raise ("The truth value of a
DataFrame is ambiguous") whenever the other entries are equal (two exports with the same
counts, a result cut in two and put back). ``AttrFrame`` is a DataFrame that compares as a
whole: ``==`` is ``DataFrame.equals`` (one bool). Imported only where pandas already is.
"""

from __future__ import annotations

import pandas as pd


class AttrFrame(pd.DataFrame):
    """A DataFrame kept in ``attrs``: ``a == b`` is ``a.equals(b)`` (a bool), not element
    by element, so that pandas can compare ``attrs`` (``pd.concat``, ``pd.merge``); a copy
    (pandas deep-copies ``attrs`` into a derived frame) is one too. Anything computed from
    it (a selection, a column) is a plain DataFrame or Series."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __eq__(self, other):
        return isinstance(other, pd.DataFrame) and self.equals(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None  # as a DataFrame: mutable, not hashable

    def __deepcopy__(self, memo=None):
        return AttrFrame(self.copy(deep=True))

    def __reduce__(self):  # pickled as a plain frame's state, rebuilt as an AttrFrame
        return AttrFrame, (pd.DataFrame(self),)

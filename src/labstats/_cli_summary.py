"""Lines of the ``labstats derive`` summary that say what the output holds: the unit of each
concentration written, and the file's columns that are no input of any formula."""

from __future__ import annotations


def units_written(columns, wanted) -> str | None:
    """The summary line that says in which unit each written concentration is: the file's
    columns are converted to labstats' units (a testosterone in ng/dL is written in nmol/L
    under the same name), and each derived value has its function's ``output_unit``."""
    import inspect

    from labstats.datasets import DERIVED
    from labstats.datasets._labunits import NUMERIC, default_unit

    by_unit: dict[str, list] = {}
    for c in columns:
        unit = default_unit(c) if c in NUMERIC else None
        if c in wanted:
            p = inspect.signature(DERIVED[c].resolve()).parameters.get("output_unit")
            unit = p.default if p is not None and isinstance(p.default, str) else None
        if unit is not None:
            by_unit.setdefault(unit, []).append(str(c))
    shown = "; ".join(f"{', '.join(cs)} in {u}" for u, cs in by_unit.items())
    return (f"  units of the output (the file's values converted): {shown}\n"
            if shown else None)


def not_inputs(frame) -> str | None:
    """The summary line naming the file's columns that are no input of any formula (a
    header labstats does not recognise, "Kreatinin", kept as it is), so that an input
    under an unexpected header is not skipped without a word. The reader says which
    columns it read as none of its own (``attrs["kept"]``); of those, a formula's name or
    input ("height") is read by ``derive``."""
    from labstats.datasets import DERIVED

    known = set(DERIVED) | {c for d in DERIVED.values() for c in (*d.inputs, *d.optional)}
    other = [c for c in frame.attrs.get("kept", ()) if c not in known]
    if not other:
        return None
    shown = ", ".join(map(repr, other[:10])) + (" ..." if len(other) > 10 else "")
    return (f"  kept as they are, not read as inputs: {shown}; if one is an input, name it "
            f"with --column-map 'HEADER=NAME' (the names the skipped lines need)\n")

"""The Dask reader's whole-column checks of collection times (``_engines_dask``): the times
of each partition in the export's format (not read; their time zone, or with
``time_zone=`` a time without one), and the checks across partitions, as
``read_lab_results`` makes them on the whole column (``_routine_io``)."""

from __future__ import annotations


def _times_in(cells, time_format, time_zone=None):
    """(``_routine_io.unread_times``, ``_routine_io.zone_text`` or None when the format
    has no zone) of a partition's times in ``time_format``; with ``time_zone``: (that,
    its ``NaiveTime`` or None), typed times too."""
    from labstats.datasets import _routine_io

    try:
        unread = _routine_io.unread_times(cells, time_format, time_zone)
    except _routine_io.NaiveTime as exc:  # (its row: in the export, by ``check_zones``)
        return (0, None, None), exc
    return unread, (_routine_io.zone_text(cells, time_format) if time_zone is None and
                    _routine_io.zoned(time_format) else None)


def _check_times(pieces, header, stats, offsets, time_format, time_zone=None):
    """read_lab_results' checks of the times in ``time_format`` (the export's), for all
    partitions: one time zone (else its error; with ``time_zone``: no time without a
    zone, typed times too), and the warning of the times not read.
    ``_times_in`` of each partition: found by ``_column_stats`` where it tried that
    format, else here (one pass over those partitions)."""
    import dask

    from labstats.datasets import _routine_io

    found = [None if u is None else u.get(time_format) for u in stats]
    again = [k for k, u in enumerate(stats) if u is not None and time_format not in u]
    for k, c in zip(again, dask.compute([dask.delayed(_times_in)(
            pieces[k][header], time_format, time_zone) for k in again])[0], strict=True):
        found[k] = c
    if _routine_io.zoned(time_format) or time_zone is not None:
        _routine_io.check_zones([None if c is None else c[1] for c in found], time_format,
                                offsets)
    unread = [(k, c[0]) for k, c in enumerate(found) if c is not None and c[0][0]]
    if unread:
        k, c = unread[0]
        _routine_io.warn_unread(sum(c[0] for _, c in unread), int(offsets[k]) + c[1], c[2],
                                time_format)

"""Tests for labstats.datasets.fetch_nhanes against a local HTTP server on 127.0.0.1.

The server serves files the tests make: a good XPT, a truncated response (fewer bytes
than Content-Length), a complete response holding a cut file, a 404, an HTML page
instead of XPT, and a transient 503. Retries use a back-off of a millisecond. The small
XPT files carry CDC names but not CDC's record counts, so most tests pass
``check_counts=False``; the count check has its own tests (CDC codebook counts,
``src/labstats/datasets/nhanes_counts.csv``).
"""

import hashlib
import http.server
import socket
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from labstats import LabstatsWarning
from labstats.datasets import fetch_nhanes, read_nhanes_file
from labstats.datasets.fetch import default_cache_dir, nhanes_url


def _xpt_bytes(rows: int, name: str = "DEMO_H") -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.XPT"
        x = np.linspace(0, 1, rows)
        pyreadstat.write_xport(pd.DataFrame({"SEQN": np.arange(1.0, rows + 1), "X": x,
                                             "Y": 2 * x}), str(path), table_name=name)
        return path.read_bytes()


XPT = _xpt_bytes(300)  # a whole file of 300 records of 24 bytes
FAST = dict(retries=2, backoff=0.001, timeout=5.0, progress=False, check_counts=False)
COUNTED = {**FAST, "check_counts": True}
# Files with the CDC codebook record counts (DEMO_H 10,175; GLU_H 3,329), made-up values.
DEMO_H, GLU_H = _xpt_bytes(10175), _xpt_bytes(3329, "GLU_H")


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}  # path -> list of responses, served in turn (the last one repeats)
    log: list = []

    def do_GET(self):  # name fixed by http.server
        self.log.append(self.path)
        queue = self.routes.get(self.path, [("404",)])
        kind, *rest = queue.pop(0) if len(queue) > 1 else queue[0]
        if kind == "ok":
            body = rest[0]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(rest[0]) + 1000))
            self.end_headers()
            self.wfile.write(rest[0])  # then the connection closes early
        elif kind == "html":
            body = b"<!DOCTYPE html><html><body>Page moved</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(int(kind))

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.routes, _Handler.log = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def _serve(handler, stem, *responses, year=2013):
    handler.routes[f"/{year}/DataFiles/{stem}.xpt"] = list(responses)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_good_file_is_downloaded_whole(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", XPT))
    _serve(handler, "TST_H", ("ok", XPT))
    out = fetch_nhanes(["2013-2014"], ["TST"], tmp_path, base_url=base, **FAST)
    assert out == tmp_path
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT
    assert (tmp_path / "TST_H.XPT").read_bytes() == XPT
    assert _leftovers(tmp_path) == []


def test_truncated_transfer_is_retried_then_fails_leaving_nothing(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("truncated", XPT[:3000]))
    with pytest.raises(OSError, match=r"failed after 3 attempts.*truncated transfer.*got 3000 of "
                                      r"4000 bytes"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert list(tmp_path.iterdir()) == []
    assert len(handler.log) == 3


def test_truncated_then_good_transfer_succeeds(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("truncated", XPT[:100]), ("ok", XPT))
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT and len(handler.log) == 2


def test_transient_503_is_retried(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("503",), ("ok", XPT))
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert (tmp_path / "DEMO_H.XPT").exists() and len(handler.log) == 2


def test_404_is_not_retried_and_says_what_to_do(server, tmp_path):
    base, handler = server
    with pytest.raises(FileNotFoundError, match=r"DEMO_H\.xpt: HTTP 404.*base_url=.*by hand"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert len(handler.log) == 1 and list(tmp_path.iterdir()) == []


def test_404_with_missing_warn_goes_on(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_L", ("ok", XPT), year=2021)
    _serve(handler, "TST_L", ("ok", XPT), year=2021)
    with pytest.warns(LabstatsWarning, match=r"BIOPRO_L\.xpt: HTTP 404"):
        fetch_nhanes(["2021-2023"], ["TST", "BIOPRO"], tmp_path, base_url=base,
                     missing="warn", **FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DEMO_L.XPT", "TST_L.XPT"]


def test_html_page_instead_of_xpt_is_rejected(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("html",))
    with pytest.raises(ValueError, match=r"did not return a SAS transport \(XPT\) file"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert list(tmp_path.iterdir()) == [] and len(handler.log) == 1


def test_checksum_is_verified(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", XPT))
    with pytest.raises(ValueError, match=r"SHA-256 [0-9a-f]{64} differs.*not saved"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base,
                     sha256={"DEMO_H": "0" * 64}, **FAST)
    assert list(tmp_path.iterdir()) == []
    good = hashlib.sha256(XPT).hexdigest()
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, sha256={"DEMO_H": good},
                 **FAST)
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT


def test_cached_file_is_not_downloaded_again(server, tmp_path):
    base, handler = server
    (tmp_path / "DEMO_H.XPT").write_bytes(XPT)
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert handler.log == []


def test_cached_html_is_replaced(server, tmp_path):
    base, handler = server
    (tmp_path / "DEMO_H.XPT").write_text("<html>old error page</html>")
    _serve(handler, "DEMO_H", ("ok", XPT))
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT


def test_offline_error_says_where_to_put_files(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionError, match=rf"cannot reach.*3 attempts.*by hand.*"
                                              rf"{tmp_path.name}.*LABSTATS_DATA_DIR"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=f"http://127.0.0.1:{port}",
                     **FAST)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_does_not_break_the_download(server, tmp_path, capsys):
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", XPT))
    fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base,
                 **{**FAST, "progress": True})
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT


def test_insulin_of_2011_is_not_fetched_separately(server, tmp_path):
    base, handler = server
    for stem in ("DEMO_G", "GLU_G"):
        _serve(handler, stem, ("ok", XPT), year=2011)
    fetch_nhanes(["2011-2012"], ["GLU", "INS"], tmp_path, base_url=base, **FAST)
    assert sorted(handler.log) == ["/2011/DataFiles/DEMO_G.xpt", "/2011/DataFiles/GLU_G.xpt"]


def test_data_dir_environment_variable_is_the_default_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("LABSTATS_DATA_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path


def test_cdc_url_pattern():
    # CDC since December 2024: /Nchs/Data/Nhanes/Public/<begin year>/DataFiles/<file>.xpt
    assert nhanes_url("TST_L", 2021) == (
        "https://wwwn.cdc.gov/Nchs/Data/Nhanes/Public/2021/DataFiles/TST_L.xpt")


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(missing="ignore"), r"missing must be 'raise' or 'warn'"),
    (dict(retries=-1), r"retries must be 0 or more"),
    (dict(cycles=["1999-2000"]), r"unknown cycle '1999-2000'"),
])
def test_bad_arguments_are_clear_errors(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch_nhanes(cache_dir=tmp_path, **{**FAST, **kwargs})


def test_a_complete_transfer_of_a_cut_file_is_retried_then_fails(server, tmp_path):
    # The server sends all it has (Content-Length matches), but what it has is cut.
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", XPT[:2480]))
    with pytest.raises(OSError, match=r"failed after 3 attempts.*incomplete file from .*DEMO_H"
                                      r"\.xpt: its last observation is incomplete"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert list(tmp_path.iterdir()) == [] and len(handler.log) == 3


def test_a_whole_file_with_another_count_than_cdc_is_not_saved(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", XPT))
    with pytest.raises(ValueError, match=r"300 records, but the CDC codebook count of DEMO_H is "
                                         r"10,175; the file was not saved.*check_counts=False"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **COUNTED)
    assert list(tmp_path.iterdir()) == [] and len(handler.log) == 1


def test_files_with_cdc_s_counts_are_saved_and_read(server, tmp_path):
    base, handler = server
    _serve(handler, "DEMO_H", ("ok", DEMO_H))
    _serve(handler, "GLU_H", ("ok", GLU_H))
    fetch_nhanes(["2013-2014"], ["GLU"], tmp_path, base_url=base, **COUNTED)
    assert len(read_nhanes_file(tmp_path / "GLU_H.XPT")) == 3329


def test_a_cut_cached_file_is_downloaded_again_with_a_warning(server, tmp_path):
    # What read_nhanes' error advises: fetch_nhanes(...) replaces a truncated cached file.
    base, handler = server
    (tmp_path / "DEMO_H.XPT").write_bytes(XPT[:2480])
    _serve(handler, "DEMO_H", ("ok", XPT))
    with pytest.warns(LabstatsWarning, match=r"DEMO_H\.XPT: the cached file is not whole \(its "
                                             r"last observation is incomplete.*downloading it"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path, base_url=base, **FAST)
    assert (tmp_path / "DEMO_H.XPT").read_bytes() == XPT and len(handler.log) == 1


def test_a_cached_file_with_another_count_than_cdc_is_downloaded_again(server, tmp_path):
    base, handler = server
    (tmp_path / "DEMO_H.XPT").write_bytes(DEMO_H)
    (tmp_path / "GLU_H.XPT").write_bytes(_xpt_bytes(3000, "GLU_H"))
    _serve(handler, "GLU_H", ("ok", GLU_H))
    with pytest.warns(LabstatsWarning, match=r"GLU_H\.XPT: the cached file is not whole \(3,000 "
                                             r"records, but the CDC codebook count of GLU_H is "
                                             r"3,329\)"):
        fetch_nhanes(["2013-2014"], ["GLU"], tmp_path, base_url=base, **COUNTED)
    assert (tmp_path / "GLU_H.XPT").read_bytes() == GLU_H
    assert handler.log == ["/2013/DataFiles/GLU_H.xpt"]  # the whole DEMO_H was kept

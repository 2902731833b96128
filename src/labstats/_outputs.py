"""Files labstats writes: never an input, never an existing file unless asked, never half.

One place for ``labstats derive`` (``_cli_derive``) and ``pair_export``: an output may not
be an input file (by resolved path, or by ``os.path.samefile``: hard links, another mount
of the same file) nor lie inside an input folder (it would be read as a part of the export
the next time); an existing file is replaced only when the caller says so; and an output is
written to a temporary file beside it and renamed into place when complete, so that a failed
or interrupted run leaves the old file intact and no half file.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def same_file(a, b) -> bool:
    """Whether paths ``a`` and ``b`` name one file (resolved, or ``os.path.samefile``)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(inputs, output, *, overwrite: bool, replace: str, who: str) -> Path:
    """``output`` as a Path, after refusing an input file, a file inside an input folder,
    a folder, a missing parent folder and (unless ``overwrite``) an existing file.

    ``inputs``: the input files and folders; ``replace``: how the caller asks to replace
    an existing file ("pass overwrite=True", "pass --overwrite"); ``who``: what writes
    ("labstats derive", "pair_export"), named in the messages.
    """
    dst = Path(output)
    for source in map(Path, inputs):
        if source.is_dir():
            if dst.resolve().is_relative_to(source.resolve()):
                raise ValueError(f"output {dst} is inside the input folder {source}: it would "
                                 f"be read as a part of the export; write it elsewhere")
        elif same_file(source, dst):
            raise ValueError(f"output {dst} is the input file {source}: {who} never writes "
                             f"over its input; choose another output file")
    if dst.is_dir():
        raise ValueError(f"output {dst} is a folder; give a file name such as "
                         f"{dst / ('derived' + (dst.suffix or '.parquet'))}")
    if not dst.parent.is_dir():
        raise ValueError(f"output {dst}: folder {dst.parent} does not exist; create it first")
    if (dst.exists() or dst.is_symlink()) and not overwrite:
        raise ValueError(f"output {dst} already exists; {replace} to replace it, or choose "
                         f"another name")
    return dst


@contextmanager
def atomic(path):
    """A temporary file beside ``path`` (created, empty) to write to; renamed to ``path``
    when the block ends without error (``path``'s permissions kept, or the umask's for a
    new file), removed otherwise (Ctrl-C included): ``path`` holds its old content or the
    whole new file, never a part."""
    path = Path(path)
    if path.exists():
        mode = os.stat(path).st_mode & 0o7777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

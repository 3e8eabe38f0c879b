"""Where a snapshot is written: a folder beside OUT_DIR, swapped in when complete.

A web server or CDN origin serving OUT_DIR must never serve half a snapshot (a CSV cut
short, a ``datapackage.json`` whose hashes name files not yet written). So the snapshot
is written into a hidden folder beside OUT_DIR (the same file system), then put in
OUT_DIR's place by a rename: on Linux an atomic exchange of the two folders
(``renameat2`` with ``RENAME_EXCHANGE``), so OUT_DIR always holds one whole snapshot;
elsewhere the old folder is renamed aside and the new one in, and for the moment
between the two renames OUT_DIR is missing, never partial. A failed run removes its
folder and leaves OUT_DIR as it was.

OUT_DIR may be new, empty, or a snapshot an earlier run wrote (its ``datapackage.json``
is this package's and lists every other file in it). Anything else is refused: the
whole folder is replaced, so a folder holding files of its own would lose them.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from bot.publish.package import DESCRIPTOR, listed_paths

EXAMPLE = "scalebot publish snapshot/"


class FolderRefused(Exception):
    """OUT_DIR cannot take a snapshot; the message says why and what to do."""


def check_target(out_dir: Path) -> None:
    """Refuse an OUT_DIR that is a file, or a non-empty folder no snapshot wrote."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise FolderRefused(
            f"{out_dir} is not a folder: give a new or empty folder, e.g. `{EXAMPLE}`"
        )
    if not Path(os.path.abspath(out_dir)).name:
        raise FolderRefused(f"{out_dir} is the root folder: give a folder in it, e.g. `{EXAMPLE}`")
    if not out_dir.exists():
        return
    present = {
        path.relative_to(out_dir).as_posix()
        for path in out_dir.rglob("*")
        if path.is_file() or path.is_symlink()
    }
    if not present:
        return
    descriptor = out_dir / DESCRIPTOR
    listed = (
        listed_paths(descriptor.read_text("utf-8", "replace")) if descriptor.is_file() else None
    )
    if listed is None:
        raise FolderRefused(
            f"{out_dir} is not empty and is not a snapshot (no {DESCRIPTOR} written by "
            f"scalebot publish): publish replaces the folder whole, so give a new or "
            f"empty folder, e.g. `{EXAMPLE}`"
        )
    foreign = sorted(present - listed - {DESCRIPTOR})
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise FolderRefused(
            f"{out_dir} holds files a snapshot did not write ({shown}): publish replaces "
            f"the folder whole, so move them out or give another folder, e.g. `{EXAMPLE}`"
        )


def replace(out_dir: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(folder)`` on a fresh folder beside ``out_dir``, then swap it in."""
    check_target(out_dir)
    # ``.`` or ``snapshot/..`` have no name of their own to put a folder beside.
    out_dir = Path(os.path.abspath(out_dir))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = _sibling(out_dir, "publishing")
    building.mkdir()  # the umask's permissions, so a web server can read the result
    try:
        write(building)
        if out_dir.exists():
            check_target(out_dir)  # nobody put files there while the snapshot was made
            if not _exchange(building, out_dir):
                aside = _sibling(out_dir, "old")
                out_dir.rename(aside)
                building.rename(out_dir)
                building = aside
        else:
            building.rename(out_dir)
            return
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    shutil.rmtree(building, ignore_errors=True)  # the previous snapshot, swapped out


def _sibling(out_dir: Path, what: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{what}-{secrets.token_hex(4)}"


#: ``renameat2``'s arguments on Linux: paths relative to the working folder, and swap.
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step; False where the system cannot (then the
    caller renames twice)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(done == 0)

"""SQLite: what follows the app's *file* rather than its name -- the run lock keyed by the
file's device and inode, and the bookkeeping of another name (a hard link) of the file."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from v2_backfill.config import SIDECAR_SUFFIX

LOCK_FOLDER = "v2-backfill-locks"
"""The folder (in the temporary directory) of the run locks of SQLite files, by device and
inode: every name of one file (hard links) takes the same lock."""


def file_identity(path: Path) -> tuple[int, int, str]:
    """The file's device, inode and the name given."""
    status = path.stat()
    return status.st_dev, status.st_ino, str(path)


def inode_lock_path(path: Path) -> Path:
    """The lock file of the app file `path`, whatever name it is reached by (made on use)."""
    device, inode, _ = file_identity(path)
    return Path(tempfile.gettempdir()) / LOCK_FOLDER / f"{device}-{inode}.lock"


@contextmanager
def flocked(path: Path) -> Iterator[bool]:
    """Try an exclusive `flock` of `path` (made when missing), without waiting: the block gets
    whether it was taken; the lock goes with the block or the process."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # another user's runs lock there too
            path.parent.chmod(0o1777)
    try:
        # Without O_CREAT first: Linux refuses O_CREAT on another user's file in a sticky
        # folder (fs.protected_regular); a read-only descriptor can be flocked.
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        handle = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


@contextmanager
def file_locked(path: Path, sidecar: Path) -> Iterator[bool]:
    """Try the run lock of the app file `path`: exclusive flocks, independent of SQLite's own
    locks, of the lock file keyed by its device and inode (every name of the file takes it),
    then of its `sidecar` (made when missing); the block gets whether both were taken."""
    with flocked(inode_lock_path(path)) as of_file:
        if not of_file:  # the sidecar of this name is left as it is
            yield False
            return
        with flocked(sidecar) as of_sidecar:
            yield of_sidecar


def store_of_another_name(path: Path) -> tuple[str, str] | None:
    """Another name of the file `path` in its folder (a hard link) that has a bookkeeping file
    beside it: (that name, its bookkeeping file); None when there is none. One listing of the
    folder; a hard link in another folder is not found here (the inode lock still holds)."""
    device, inode, _ = file_identity(path)
    own = path.name + SIDECAR_SUFFIX
    for entry in sorted(path.parent.glob(f"*{SIDECAR_SUFFIX}")):
        other = entry.with_name(entry.name.removesuffix(SIDECAR_SUFFIX))
        if entry.name == own or not other.is_file():
            continue
        status = other.stat()
        if (status.st_dev, status.st_ino) == (device, inode):
            return str(other), str(entry)
    return None

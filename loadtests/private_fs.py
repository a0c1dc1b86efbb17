"""A filesystem that fills up for real, for fault tests and benchmarks: a tiny tmpfs of
the caller's own (root only), and a filler that takes every free byte of it, as another
program filling the disk would."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class TmpfsUnavailable(Exception):
    """Mounting a tmpfs is not possible here (not root, no `mount`, or refused)."""


def mount_tmpfs(size: str = "2m") -> Path:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise TmpfsUnavailable("a full filesystem needs root to mount a tmpfs")
    mountpoint = Path(tempfile.mkdtemp(prefix="imgedge-full-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        mountpoint.rmdir()
        raise TmpfsUnavailable(f"cannot mount a tmpfs: {done.stderr.strip()}")
    return mountpoint


def unmount(mountpoint: Path) -> None:
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)
    mountpoint.rmdir()


def fill(root: Path) -> Path:
    """Take every free byte of `root`'s filesystem; returns the file to remove."""
    filler = root / "filler"
    with filler.open("wb", buffering=0) as f:  # unbuffered: close has nothing to flush
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler

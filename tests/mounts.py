"""Real full disks and read-only folders for the reliability tests: small tmpfs mounts.

Root ignores file permissions, so a read-only corpus is made honestly by remounting its
tmpfs read-only (``mount -o remount,ro``), which stops root too. Each fixture skips when
this process may not mount (not root, or a container without ``CAP_SYS_ADMIN``).
Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True, timeout=30)


def _tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount a tmpfs here ({error}): run the test as root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 1 MiB file system: fill it, and writes fail with "disk is full"."""
    folder = tmp_path / "small-disk"
    _tmpfs(folder, "1m")
    try:
        yield folder
    finally:
        _unmount(folder)


def fill(folder: Path) -> None:
    """Take all the free space of ``folder``'s file system (delete ``filler`` to free it)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        chunk = b"\0" * 4096
        while True:
            try:
                os.write(fd, chunk)
            except OSError:
                break
        for size in (512, 64, 1):  # the last blocks and bytes
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A folder (``tmp_path / "read-only"``) that the returned function makes read-only
    for everyone, root included: fill it first, then call it."""
    folder = tmp_path / "read-only"
    _tmpfs(folder, "64m")

    def freeze() -> None:
        _mount("-o", "remount,ro", str(folder))

    try:
        yield freeze
    finally:
        _unmount(folder)


@pytest.fixture
def read_only_file() -> Iterator[Callable[[Path], None]]:
    """A function that makes one file read-only for everyone, root included (a read-only
    bind mount of the file over itself), its folder staying writable."""
    frozen: list[Path] = []

    def freeze(path: Path) -> None:
        try:
            _mount("--bind", str(path), str(path))
        except (OSError, subprocess.CalledProcessError) as error:
            pytest.skip(f"cannot bind-mount a file here ({error}): run the test as root")
        frozen.append(path)
        _mount("-o", "remount,ro,bind", str(path))

    try:
        yield freeze
    finally:
        for path in reversed(frozen):
            _unmount(path)

"""Damaging a corpus file on purpose, as the reliability audit did."""

from __future__ import annotations

import os
from pathlib import Path


def spoil_middle(path: Path, size: int = 4096) -> None:
    """Write ``size`` random bytes over the middle of the file."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + size] = os.urandom(size)
    path.write_bytes(bytes(data))

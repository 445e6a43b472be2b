"""Running the real ``annotator`` command in a subprocess, for the end-to-end tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def annotator(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m annotator.cli ARGS`` from the checkout, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )

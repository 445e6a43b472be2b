"""The README's run command opens the real window on a real X server (Xvfb), through Qt's
xcb plugin, once the system packages the README lists are installed.

CI installs them and Xvfb and sets ANNOTATOR_REQUIRE_XVFB=1, so that this test fails there
instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIRED = "ANNOTATOR_REQUIRE_XVFB"


@pytest.fixture
def x_display() -> Iterator[str]:
    """A fresh Xvfb server on a free display number, stopped after the test."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get(REQUIRED):
            pytest.fail(f"{REQUIRED} is set but Xvfb is not installed (Debian package xvfb)")
        pytest.skip("Xvfb is not installed (Debian package xvfb)")
    number = next(n for n in range(120, 400) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 30
    while not socket.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"Xvfb did not start on :{number}")
        time.sleep(0.05)
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_the_window_opens_on_an_x_server_and_paints_the_default_corpus(
    x_display: str, tmp_path: Path
) -> None:
    environ = {
        k: v for k, v in os.environ.items() if k not in {"QT_QPA_PLATFORM", "WAYLAND_DISPLAY"}
    }
    environ.update(DISPLAY=x_display, ANNOTATOR_HOME=str(tmp_path / "home"), ANNOTATOR_SMOKE="1")

    done = subprocess.run(
        [sys.executable, "-m", "annotator.cli", "--annotator", "alice"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env=environ,
    )

    assert done.returncode == 0, done.stderr
    assert "annotator smoke: painted" in done.stdout
    assert "(7 documents)" in done.stdout

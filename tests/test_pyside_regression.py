"""DESIGN §12: PySide6 6.12.0 on Python < 3.12 drops a reference to None on every call of
a method returning nothing, and the process aborts ("none_dealloc") after a few thousand
calls. The calls run in a child process so that an abort fails this test instead of
killing pytest."""

from __future__ import annotations

import subprocess
import sys

CALLS = 100_000

SCRIPT = f"""
import sys
from PySide6.QtCore import QObject, QPoint

before = sys.getrefcount(None)
obj = QObject()
point = QPoint()
for n in range({CALLS}):
    obj.setObjectName("o")   # returns None
    point.setX(n)            # returns None
assert point.x() == {CALLS - 1}
print("survived", sys.getrefcount(None) - before)
"""


def test_a_hundred_thousand_calls_returning_none_do_not_abort_the_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.startswith("survived")
    drift = int(done.stdout.split()[1])
    assert abs(drift) < 1000  # None has not lost a reference per call

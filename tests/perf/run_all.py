"""Run every benchmark of ``tests/perf`` and print one table (DESIGN §10).

Usage: ``python tests/perf/run_all.py [--only NAME ...] [--markdown] [--timeout S]``.

Each ``bench_*.py`` runs as a script in its own process (one after the other: they
measure time), its output passed through, then the table of all their results.

Convention for benchmarks: besides their own report, a benchmark prints one line per
figure it measures, of the form::

    RESULT {"work": ..., "figure": ..., "baseline": ..., "ratio": ..., "target": ..., "met": ...}

with ``work`` the row of DESIGN §10 (text), ``figure`` the measured figure with its
unit (text, e.g. ``"95,037 rows/s"``), ``baseline`` the baseline measured in the same
run (text, or null when the target is absolute), ``ratio`` figure over baseline (a
number, or null), ``target`` as DESIGN §10 states it (text), and ``met`` whether the
target was met (true/false). A benchmark that prints none, or fails, gets a row that
says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PREFIX = "RESULT "
COLUMNS = ("work", "figure", "baseline", "ratio", "target", "met")


@dataclass
class Outcome:
    bench: str
    seconds: float
    results: list[dict[str, object]]
    problem: str | None = None


def run_bench(path: Path, timeout: float) -> Outcome:
    """Run one benchmark script, passing its output through as it comes (stderr merged);
    collect its RESULT lines."""
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"\n=== {path.name}", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so a timeout ends its children too
    )
    watchdog = threading.Timer(timeout, os.killpg, (child.pid, signal.SIGKILL))
    watchdog.start()
    results: list[dict[str, object]] = []
    last: list[str] = []
    problem = None
    assert child.stdout is not None
    for line in child.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        last = [*last[-4:], line.rstrip()]
        if line.startswith(PREFIX):
            try:
                results.append(json.loads(line[len(PREFIX) :]))
            except json.JSONDecodeError as error:
                problem = f"unreadable RESULT line ({error.msg})"
    code = child.wait()
    timed_out = not watchdog.is_alive()
    watchdog.cancel()
    seconds = time.perf_counter() - started
    if timed_out:
        problem = f"killed after {timeout:.0f} s"
    elif code != 0:
        message = next((line for line in reversed(last) if line.strip()), "no message")
        problem = f"exit {code}: {message[:80]}"
    elif not results and problem is None:
        problem = "printed no RESULT line"
    return Outcome(path.name, seconds, results, problem)


def cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def rows(outcomes: list[Outcome]) -> list[list[str]]:
    table = []
    for outcome in outcomes:
        for result in outcome.results:
            table.append([cell(result.get(column)) for column in COLUMNS])
        if outcome.problem is not None:
            table.append([outcome.bench, outcome.problem, "—", "—", "—", "NO"])
    return table


def render(table: list[list[str]], markdown: bool) -> str:
    header = ["work", "figure", "baseline", "ratio", "target", "met?"]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in table]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table]
    return "\n".join(lines)


def machine() -> str:
    """A line saying what the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from PySide6 import __version__ as qt
    except ImportError:
        qt = "absent"
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PySide6 {qt}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the DESIGN §10 benchmarks.")
    parser.add_argument("--only", nargs="*", default=None, help="bench names (e.g. import)")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    args = parser.parse_args(argv)
    benches = sorted(HERE.glob("bench_*.py"))
    if args.only:
        benches = [b for b in benches if b.stem.removeprefix("bench_") in args.only]
    outcomes = [run_bench(bench, args.timeout) for bench in benches]
    print(f"\nDESIGN §10 benchmarks, measured on {machine()}")
    print(render(rows(outcomes), args.markdown))
    total = sum(o.seconds for o in outcomes)
    met = sum(1 for o in outcomes for r in o.results if r.get("met") is True)
    count = sum(len(o.results) for o in outcomes)
    failed = sum(1 for o in outcomes if o.problem is not None)
    print(f"\n{met} of {count} targets met; {failed} benchmarks failed; {total:.0f} s in all")
    return 0 if failed == 0 and met == count else 1


if __name__ == "__main__":
    sys.exit(main())

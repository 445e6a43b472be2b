"""SIGKILL soak (DESIGN §11): kill -9 at random moments of scripted annotation and of
imports, a hundred times, and after each kill check that ``PRAGMA integrity_check`` is
ok, that no acknowledged action is lost, and that each imported file is wholly in or
wholly out of the corpus.

Annotation: a worker applies a deterministic stream of edits (spans added, removed,
relabelled, claims with their claimant in one transaction, stances, answers, status)
and acknowledges each after its commit; the checker replays the stream and requires
the corpus to hold exactly the state after the last acknowledged edit, or after the
one in flight when the kill came (committed, not yet acknowledged). Import: a worker
runs ``annotator import`` on three files; those before the kill are in, whole, and the
rest out; a command that finished (its acknowledgement) has them all in.

Half the kills go to each. ``ANNOTATOR_SOAK_KILLS`` sets the number (default 100,
under a minute), ``ANNOTATOR_SOAK_SEED`` replays a run. The counts are printed
(``pytest -s``).

The soak adapts to the machine it runs on: the moments of the import kills follow the
duration of the latest import that finished before its kill (a loaded machine slows some
imports and speeds others up), and each half stops at ``ANNOTATOR_SOAK_SECONDS`` / 2
(default 120 s in all) with the kills it made, at least ``MIN_KILLS`` of each kind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator.core.edits import apply
from annotator.core.model import AnnotationSet, Document
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from tests.reliability.soak_workload import ANNOTATOR, DOC_ID, TEXT, import_file, next_edit

REPO = Path(__file__).resolve().parents[2]
ZYGOTE = Path(__file__).resolve().parent / "soak_zygote.py"
KILLS = int(os.environ.get("ANNOTATOR_SOAK_KILLS", "100"))
SEED = int(os.environ.get("ANNOTATOR_SOAK_SEED", str(random.randrange(1_000_000))))
SECONDS = float(os.environ.get("ANNOTATOR_SOAK_SECONDS", "120"))
#: The fewest kills of each kind that still make a soak, on the slowest machine.
MIN_KILLS = 10
FILES_PER_IMPORT = 3
DOCS_PER_FILE = 120
SPANS_PER_DOC = 4


@dataclass
class Tally:
    kills: int = 0
    integrity_checks: int = 0
    edits_acknowledged: int = 0
    edits_in_flight_kept: int = 0
    imports_acknowledged: int = 0
    files_in: int = 0
    files_out: int = 0
    losses: int = 0

    def line(self, what: str) -> str:
        return f"soak (seed {SEED}) {what}: " + ", ".join(
            f"{name.replace('_', ' ')} {value}" for name, value in vars(self).items()
        )


class Zygote:
    """The forking process of ``soak_zygote.py`` (see its protocol)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, job: dict[str, object]) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "the zygote died"
        return int(answer)

    def run_and_kill(self, job: dict[str, object], delay: float) -> bool:
        """Fork a worker, SIGKILL it after ``delay`` s; True if it was still running."""
        pid = self.ask(job)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)  # an exited worker is a zombie until reaped: no reuse
        status = self.ask({"job": "reap", "pid": pid})
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            return True
        errors = Path(str(job["errors"])).read_text(encoding="utf-8")
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, errors
        return False

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def zygote() -> Iterator[Zygote]:
    forker = Zygote()
    yield forker
    forker.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def acknowledged(path: Path) -> list[int]:
    """The revisions acknowledged in an ack file (complete lines only)."""
    if not path.exists():
        return []
    return [int(line) for line in path.read_text().split("\n")[:-1]]


def comparable(aset: AnnotationSet) -> tuple[object, ...]:
    return (
        aset.status,
        sorted(aset.spans, key=lambda s: s.id),
        sorted(aset.relations, key=lambda r: (r.head, r.child, r.label)),
        aset.doc_labels,
    )


def soak_annotation(
    zygote: Zygote, folder: Path, kills: int, rng: random.Random, seconds: float
) -> Tally:
    tally = Tally()
    corpus = folder / "annotation.annotator"
    with init_corpus(corpus) as created:
        created.add_documents([Document(DOC_ID, TEXT)])
    expected, verified = AnnotationSet(ANNOTATOR), 0  # the replayed state at a revision
    deadline = time.monotonic() + seconds
    for run in range(kills):
        if run >= MIN_KILLS and time.monotonic() > deadline:
            break  # a slow machine: the kills made so far are the soak
        acks, errors = folder / f"acks-{run}", folder / f"errors-{run}"
        job = {"job": "edit", "corpus": str(corpus), "seed": SEED, "acks": str(acks)}
        killed = zygote.run_and_kill({**job, "errors": str(errors)}, rng.uniform(0.01, 0.25))
        assert killed, f"seed {SEED}: the editor stopped by itself"
        tally.kills += 1
        last = max(acknowledged(acks), default=verified)
        tally.edits_acknowledged += last - verified

        assert integrity(corpus) == "ok", f"seed {SEED}, run {run}"
        tally.integrity_checks += 1
        with Corpus.open(corpus) as opened:
            stored, revision = opened.annotation_set_and_revision(DOC_ID, ANNOTATOR)
        tally.losses += max(0, last - revision)
        assert revision in (last, last + 1), f"seed {SEED}, run {run}: {revision} vs {last}"
        tally.edits_in_flight_kept += revision - last
        while verified < revision:
            apply(expected, next_edit(SEED, verified, expected))
            verified += 1
        assert comparable(stored) == comparable(expected), f"seed {SEED}, run {run}"
    return tally


def presence(conn: sqlite3.Connection, prefix: str) -> tuple[int, int, int]:
    """(documents, annotation sets, spans) of one file's documents in the corpus."""
    low, high = f"{prefix}-", f"{prefix}."  # '.' follows '-': the ids of this file
    row = conn.execute(
        "SELECT count(DISTINCT d.pk), count(DISTINCT a.pk), count(s.pk) FROM documents d "
        "LEFT JOIN annotation_sets a ON a.document_pk = d.pk "
        "LEFT JOIN spans s ON s.set_pk = a.pk WHERE d.doc_id >= ? AND d.doc_id < ?",
        (low, high),
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def soak_import(
    zygote: Zygote, folder: Path, kills: int, rng: random.Random, seconds: float
) -> Tally:
    tally = Tally()
    corpus = folder / "import.annotator"
    init_corpus(corpus).close()
    whole = (DOCS_PER_FILE, DOCS_PER_FILE, DOCS_PER_FILE * SPANS_PER_DOC)
    # How long an uninterrupted import takes here: measured by the first run, then by
    # every import that finished before its kill came.
    duration = 0.0
    deadline = time.monotonic() + seconds
    run = 0
    while tally.kills < kills:
        if tally.kills >= MIN_KILLS and time.monotonic() > deadline:
            break  # a slow machine: the kills made so far are the soak
        assert run < 20 * kills + 1, f"seed {SEED}: no import was ever killed in time"
        prefixes = [f"r{run}f{k}" for k in range(FILES_PER_IMPORT)]
        files = [import_file(folder / f"{p}.jsonl", p, DOCS_PER_FILE) for p in prefixes]
        done, errors = folder / f"done-{run}", folder / f"errors-{run}"
        job = {"job": "import", "corpus": str(corpus), "files": [str(f) for f in files]}
        started, started_at = time.monotonic(), time.time()
        delay = 3600.0 if run == 0 else rng.uniform(0.0, duration * 1.1)
        if run == 0:  # not killed: how long an import takes on this machine
            pid = zygote.ask({**job, "done": str(done), "errors": str(errors)})
            assert zygote.ask({"job": "reap", "pid": pid}) == 0, errors.read_text()
            duration = time.monotonic() - started
        elif zygote.run_and_kill({**job, "done": str(done), "errors": str(errors)}, delay):
            tally.kills += 1
        elif done.exists():  # it finished before the kill: the machine is faster now
            duration = max(0.01, done.stat().st_mtime - started_at)

        assert integrity(corpus) == "ok", f"seed {SEED}, run {run}"
        tally.integrity_checks += 1
        conn = sqlite3.connect(corpus)
        try:
            found = [presence(conn, p) for p in prefixes]
        finally:
            conn.close()
        for prefix, counts in zip(prefixes, found, strict=True):
            assert counts in (whole, (0, 0, 0)), f"seed {SEED}: {prefix} is partly in: {counts}"
        inside = [counts == whole for counts in found]
        assert inside == sorted(inside, reverse=True), f"seed {SEED}: files in out of order"
        tally.files_in += sum(inside)
        tally.files_out += len(inside) - sum(inside)
        if done.exists():
            tally.imports_acknowledged += 1
            tally.losses += len(inside) - sum(inside)
        for file in files:
            file.unlink()
        run += 1
    return tally


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_acknowledged(
    tmp_path: Path, zygote: Zygote
) -> None:
    rng = random.Random(SEED)
    editing = soak_annotation(zygote, tmp_path, KILLS - KILLS // 2, rng, SECONDS / 2)
    print(editing.line("annotating"))
    importing = soak_import(zygote, tmp_path, KILLS // 2, rng, SECONDS / 2)
    print(importing.line("importing"))

    assert editing.kills >= min(MIN_KILLS, KILLS - KILLS // 2)
    assert importing.kills >= min(MIN_KILLS, KILLS // 2)
    assert editing.losses == 0 and importing.losses == 0
    # The kills came at moments that matter: mid-stream, and mid-import.
    assert editing.edits_acknowledged >= editing.kills
    assert importing.files_in > 0 and importing.files_out > 0

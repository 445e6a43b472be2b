"""Two processes writing to one corpus at once (DESIGN §11): no "database is locked"
reaches them and no update is lost, whether they edit their own annotation sets of one
document or the same annotator's set."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.model import Document
from annotator.services.corpora import init_corpus

REPO = Path(__file__).resolve().parents[2]
EDITS = 150  # per process and per set: 300 edits each, 600 in all

WORKER = """
import sys, time
from pathlib import Path
from annotator.core.edits import AddSpan
from annotator.core.model import Span
from annotator.store.corpus import Corpus

corpus_path, me, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
with Corpus.open(corpus_path) as corpus:
    while not go.exists():  # start together, so that the writes really compete
        time.sleep(0.001)
    started = time.monotonic()
    for n in range(count):
        start = (n * 7) % 90
        own = Span(f"{me}-{n}", "claim", start, start + 8, "CLAIM", origin="manual")
        shared = Span(f"{me}-shared-{n}", "claim", start, start + 9, "CLAIM", origin="manual")
        corpus.apply_edit("doc", me, AddSpan(own))
        corpus.apply_edit("doc", "team", AddSpan(shared))
    finished = time.monotonic()
print("done", me, started, finished)
"""


def spans_by_annotator(corpus: Path) -> dict[str, set[str]]:
    conn = sqlite3.connect(corpus)
    try:
        rows = conn.execute(
            "SELECT n.name, s.span_id FROM spans s JOIN annotation_sets a ON a.pk = s.set_pk "
            "JOIN annotators n ON n.pk = a.annotator_pk"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    found: dict[str, set[str]] = {}
    for name, span_id in rows:
        found.setdefault(name, set()).add(span_id)
    return found


@pytest.mark.slow
def test_two_processes_editing_one_document_lose_nothing_and_never_see_a_lock(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus.annotator"
    with init_corpus(corpus) as created:
        created.add_documents([Document("doc", "y" * 100)])
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(corpus), name, str(go), str(EDITS)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alice", "bob")
    ]
    go.touch()
    results = [worker.communicate(timeout=240) for worker in workers]

    for worker, (stdout, stderr) in zip(workers, results, strict=True):
        assert "locked" not in stderr.lower()
        assert worker.returncode == 0, stderr
        assert stdout.startswith("done")
    found = spans_by_annotator(corpus)
    assert found["alice"] == {f"alice-{n}" for n in range(EDITS)}
    assert found["bob"] == {f"bob-{n}" for n in range(EDITS)}
    assert found["team"] == {f"{who}-shared-{n}" for who in ("alice", "bob") for n in range(EDITS)}
    # Both were writing at once (SQLite's lock is not fair: one may wait for most of
    # the other's run, which is what the busy timeout is for).
    spans = [tuple(map(float, stdout.split()[2:4])) for stdout, _ in results]
    assert max(start for start, _ in spans) < min(end for _, end in spans)

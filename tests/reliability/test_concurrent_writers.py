"""Two and four processes writing one SQLite corpus at once (DESIGN §11): every write
lands, none is lost, and no "database is locked" reaches them.

Each process mixes the writes the app makes: edits of its own annotation set and of a
set they all share, imports of files of new documents, and new guideline versions (a
read-then-write of the latest version number, the classic lost update).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.model import Document
from annotator.services.corpora import init_corpus

REPO = Path(__file__).resolve().parents[2]
EDITS = 60
IMPORTS = 3
DOCS_PER_IMPORT = 40
GUIDELINES = 3

WORKER = """
import json, sys, time
from pathlib import Path
from annotator.core.edits import AddSpan
from annotator.core.model import Span
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus

corpus_path, me, go, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
edits, imports, docs, guidelines = map(int, sys.argv[5:9])
with Corpus.open(corpus_path) as corpus:
    while not go.exists():  # start together, so that the writes really compete
        time.sleep(0.001)
    started = time.monotonic()
    for n in range(edits):
        start = (n * 7) % 90
        own = Span(f"{me}-{n}", "claim", start, start + 8, "CLAIM", origin="manual")
        shared = Span(f"{me}-shared-{n}", "claim", start, start + 9, "CLAIM", origin="manual")
        corpus.apply_edit("doc", me, AddSpan(own))
        corpus.apply_edit("doc", "team", AddSpan(shared))
        if n % (edits // imports) == 0 and n // (edits // imports) < imports:
            batch = n // (edits // imports)
            file = folder / f"{me}-{batch}.jsonl"
            file.write_text("".join(
                json.dumps({"id": f"{me}-{batch}-{k}", "text": f"Texte {me} {batch} {k}."}) + "\\n"
                for k in range(docs)
            ), encoding="utf-8")
            import_paths(corpus, [file])
        if n % (edits // guidelines) == 1 and n // (edits // guidelines) < guidelines:
            corpus.add_guidelines(f"# par {me}, {n}", me)
    finished = time.monotonic()
print("done", me, started, finished)
"""


def stored(corpus: Path) -> tuple[dict[str, set[str]], set[str], list[int], str]:
    """(span ids by annotator, document ids, guideline versions, integrity check)."""
    conn = sqlite3.connect(corpus)
    try:
        rows = conn.execute(
            "SELECT n.name, s.span_id FROM spans s JOIN annotation_sets a ON a.pk = s.set_pk "
            "JOIN annotators n ON n.pk = a.annotator_pk"
        ).fetchall()
        docs = {row[0] for row in conn.execute("SELECT doc_id FROM documents")}
        versions = [row[0] for row in conn.execute("SELECT version FROM guidelines ORDER BY 1")]
        verdict = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
    spans: dict[str, set[str]] = {}
    for name, span_id in rows:
        spans.setdefault(name, set()).add(span_id)
    return spans, docs, versions, verdict


@pytest.mark.slow
@pytest.mark.parametrize("processes", [2, 4])
def test_processes_writing_at_once_lose_nothing_and_never_see_a_lock(
    tmp_path: Path, processes: int
) -> None:
    corpus = tmp_path / "corpus.annotator"
    with init_corpus(corpus) as created:
        created.add_documents([Document("doc", "y" * 100)])
    go = tmp_path / "go"
    names = [f"w{k}" for k in range(processes)]
    counts = [str(n) for n in (EDITS, IMPORTS, DOCS_PER_IMPORT, GUIDELINES)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(corpus), name, str(go), str(tmp_path), *counts],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    go.touch()
    results = [worker.communicate(timeout=240) for worker in workers]

    for worker, (stdout, stderr) in zip(workers, results, strict=True):
        assert "locked" not in stderr.lower()
        assert worker.returncode == 0, stderr
        assert stdout.startswith("done")
    spans, docs, versions, verdict = stored(corpus)
    assert verdict == "ok"
    for name in names:
        assert spans[name] == {f"{name}-{n}" for n in range(EDITS)}
    assert spans["team"] == {f"{who}-shared-{n}" for who in names for n in range(EDITS)}
    assert docs == {"doc"} | {
        f"{who}-{b}-{k}" for who in names for b in range(IMPORTS) for k in range(DOCS_PER_IMPORT)
    }
    # Version 1 is the default scheme's guidelines; every other one was added here.
    assert versions == list(range(1, processes * GUIDELINES + 2))
    # They were all writing at the same time.
    spells = [tuple(map(float, stdout.split()[2:4])) for stdout, _ in results]
    assert max(start for start, _ in spells) < min(end for _, end in spells)

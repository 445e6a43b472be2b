"""Load on a team server: 20 writers (processes, each with its own connection and its
annotator's own database role, so row-level security is on) add spans at once; every
action is counted back exactly, and the throughput and latencies are printed.

Ten annotators work in two windows each, so every set has two writers competing for it.
The default size (20 x 100 actions) keeps CI short; ANNOTATOR_LOAD_ACTIONS=500 runs the
full 20 x 500 of the issue.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select

from annotator.core.model import Document
from annotator.services.corpora import init_corpus
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading
from annotator.store.server import add_annotator, setup_server
from tests.server.postgres import login

REPO = Path(__file__).resolve().parents[2]
WRITERS = 20
WINDOWS = 2  # writers per annotator
DOCUMENTS = 10
ACTIONS = int(os.environ.get("ANNOTATOR_LOAD_ACTIONS", "100"))

WRITER = """
import json, sys, time
from pathlib import Path
from annotator.core.edits import AddSpan
from annotator.core.model import Span
from annotator.store.corpus import Corpus

url, me, window, go, actions, documents = sys.argv[1:7]
latencies = []
with Corpus.open(url) as corpus:
    corpus.ping()
    while not Path(go).exists():  # start together, so that the writes really compete
        time.sleep(0.005)
    started = time.time()
    for n in range(int(actions)):
        start = (n * 7) % 900
        span = Span(f"{window}-{n}", "claim", start, start + 8, "CLAIM", origin="manual")
        before = time.perf_counter()
        corpus.apply_edit(f"doc-{n % int(documents)}", me, AddSpan(span))
        latencies.append(time.perf_counter() - before)
    finished = time.time()
print(json.dumps({"started": started, "finished": finished, "latencies": latencies}))
"""


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


@pytest.mark.slow
def test_twenty_writers_lose_no_action(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix = make_url(pg_url).database
    names = [f"annotator{n:02}" for n in range(WRITERS // WINDOWS)]
    with init_corpus(pg_url) as corpus:
        corpus.add_documents([Document(f"doc-{n}", "y" * 1000) for n in range(DOCUMENTS)])
        setup_server(corpus, f"lead_{suffix}")
        urls = {name: login(add_annotator(corpus, name, f"{name}_{suffix}")) for name in names}
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                urls[name],
                name,
                f"{name}-w{window}",
                str(go),
                str(ACTIONS),
                str(DOCUMENTS),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
        for window in range(WINDOWS)
    ]
    time.sleep(1.0)
    go.touch()
    outputs = [writer.communicate(timeout=600) for writer in writers]

    for writer, (_, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr
    runs = [json.loads(stdout) for stdout, _ in outputs]
    with Corpus.open(pg_url) as corpus, reading(corpus.engine) as conn:
        a, n, s = t.annotation_sets, t.annotators, t.spans
        per_annotator: dict[str, int] = dict(
            conn.execute(
                select(n.c.name, func.count())
                .select_from(s)
                .join(a, a.c.pk == s.c.set_pk)
                .join(n, n.c.pk == a.c.annotator_pk)
                .group_by(n.c.name)
            ).all()
        )
        revisions = conn.execute(select(func.sum(a.c.revision))).scalar_one()
        span_ids = conn.execute(select(func.count(func.distinct(s.c.span_id)))).scalar_one()

    assert per_annotator == dict.fromkeys(names, WINDOWS * ACTIONS)
    assert revisions == WRITERS * ACTIONS  # one commit per action, none doubled
    assert span_ids == WRITERS * ACTIONS
    latencies = [value * 1000 for run in runs for value in run["latencies"]]
    elapsed = max(r["finished"] for r in runs) - min(r["started"] for r in runs)
    with capsys.disabled():
        print(
            f"\nload: {WRITERS} writers x {ACTIONS} actions = {len(latencies)} actions in "
            f"{elapsed:.1f} s: {len(latencies) / elapsed:.0f} actions/s; latency p50 "
            f"{percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
            f"max {max(latencies):.1f} ms"
        )

"""Benchmark (issue 20, item 7): how the main commands scale with the corpus.

Run with ``python3 tests/perf/bench_scale.py [--sizes 1000,10000,100000] [--annotators 1,3]``
(the default, 1k and 10k documents with 1 and 3 annotators, takes about ten minutes on two
cores; 100k × 3 takes about an hour), or ``python3 -m pytest tests/perf/bench_scale.py -m
perf -s`` for a small run (1k and 3k).

For each size and number of annotators it builds a native JSONL file of news-length
documents (six French sentences, about 170 tokens and 1,000 characters, with 30 spans per
annotator: 18 entities, 6 cues and 6 claims with a stance, each linked to its claimant and
cue, and a document stance; the annotators differ as in ``bench_agreement.py``), then runs,
each as the real ``annotator`` command in its own process:

- ``import`` of that file into a new corpus;
- ``export`` to JSONL (every annotator) and to spaCy (``--from`` the first annotator);
- ``agreement --json`` (with several annotators) and ``stats --json``;
- ``merge`` of a work package holding the first annotator's work on every document, each
  set changed (one span fewer), so that every document is merged;
- opening the window on the largest corpus (``ANNOTATOR_SMOKE=1``: first paint, then quit).

Each gets its wall time, CPU time (user + system, of the process and its children) and peak
resident memory (``wait4``'s ``ru_maxrss``). Between two sizes, the scaling exponent is
``log(cpu2 / cpu1) / log(n2 / n1)``: 1 is linear (start-up costs push it below 1 at small
sizes). RESULT lines (``run_all.py``) give, per command and number of annotators, the
exponent between the two largest sizes and the memory at the largest, against the targets:
linear (exponent ≤ 1.1) and at most 4 GB; for import and the exports, also flat memory:
the peak at the largest size at most 1.3 times the peak at the size before.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.perf.bench_spacy_export import CLAIMS, CUES, NAMES, ORGS, PLACES, STANCES
from tests.perf.results import print_result
from tests.perf.run_all import machine

REPO = Path(__file__).resolve().parents[2]
ANNOTATORS = ("alice", "bob", "carol")
SENTENCES = 6
MAX_EXPONENT = 1.1
MAX_RSS_MB = 4096
FLAT = ("import", "export jsonl", "export spacy")
"""Commands whose peak memory must not grow with the corpus (issue 20: streamed)."""
MAX_GROWTH = 1.3


@dataclass
class Measure:
    command: str
    annotators: int
    documents: int
    wall: float
    cpu: float
    rss_mb: float


def sentence_parts(rng: random.Random, s: int) -> list[tuple[str, str | None, str, str]]:
    place, person, org = rng.choice(PLACES), rng.choice(NAMES), rng.choice(ORGS)
    claim = rng.randrange(len(CLAIMS))
    return [
        ("À ", None, "", ""),
        (place[0], f"l{s}", "entity", place[1]),
        (", selon ", None, "", ""),
        (person[0], f"p{s}", "entity", person[1]),
        (", de ", None, "", ""),
        (org[0], f"o{s}", "entity", org[1]),
        (", qui ", None, "", ""),
        (rng.choice(CUES), f"u{s}", "cue", "CUE"),
        (" que ", None, "", ""),
        (CLAIMS[claim], f"c{s}", "claim", "CLAIM"),
        (". ", None, "", ""),
    ]


def record(number: int, annotators: int, rng: random.Random) -> dict[str, object]:
    """One native JSONL document with ``annotators`` sets that differ a little."""
    text = ""
    spans: list[dict[str, object]] = []
    relations: list[dict[str, str]] = []
    for s in range(SENTENCES):
        for piece, span_id, layer, label in sentence_parts(rng, s):
            if span_id is not None:
                span: dict[str, object] = {
                    "id": span_id,
                    "layer": layer,
                    "start": len(text),
                    "end": len(text) + len(piece),
                    "label": label,
                }
                if layer == "claim":
                    span["attrs"] = {"stance": STANCES[CLAIMS.index(piece)]}
                spans.append(span)
            text += piece
        relations += [
            {"head": f"c{s}", "child": f"p{s}", "label": "CLAIMANT"},
            {"head": f"c{s}", "child": f"u{s}", "label": "CUE"},
        ]
    stance = rng.choice(STANCES)
    sets = []
    for name in ANNOTATORS[:annotators]:
        mine = [dict(span) for span in spans]
        if name != ANNOTATORS[0]:
            for span in mine:
                roll = rng.random()
                if span["layer"] == "entity" and roll < 0.08:
                    span["label"] = rng.choice(["PER", "ORG", "LOC", "MISC"])
                elif span["layer"] == "claim" and roll < 0.15:
                    span["attrs"] = {"stance": rng.choice(STANCES)}
        answer = rng.choice(STANCES) if name != ANNOTATORS[0] and rng.random() < 0.2 else stance
        sets.append(
            {
                "annotator": name,
                "status": "done",
                "spans": mine,
                "relations": relations,
                "doc_labels": {"stance": answer},
            }
        )
    return {"id": f"doc-{number:06d}", "text": text.rstrip(), "annotations": sets}


def write_corpus_file(path: Path, documents: int, annotators: int) -> None:
    rng = random.Random(documents * 10 + annotators)
    with path.open("w", encoding="utf-8") as out:
        for number in range(documents):
            out.write(json.dumps(record(number, annotators, rng), ensure_ascii=False) + "\n")


def timed(command: str, args: list[str], annotators: int, documents: int, **env: str) -> Measure:
    """Run ``args`` to its end; its wall and CPU time and peak memory (with children)."""
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=REPO, env=environ, stdout=output, stderr=output)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            output.seek(0)
            tail = output.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{command} exited {child.returncode}:\n{tail}")
    return Measure(
        command,
        annotators,
        documents,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "annotator.cli", *map(str, args)]


PREPARE_PACKAGE = """
import sys
from dataclasses import replace
from annotator.store.corpus import Corpus
from annotator.store.packages import replace_sets

path, annotator = sys.argv[1], sys.argv[2]
with Corpus.open(path) as package:
    ids = package.document_ids()
    def decide(current):
        changed = {}
        for doc_id, entry in current.items():
            aset = entry.annotation_set
            dropped = aset.spans[-1].id
            spans = aset.spans[:-1]
            relations = [r for r in aset.relations if dropped not in (r.head, r.child)]
            changed[doc_id] = replace(aset, spans=spans, relations=relations, updated_at=None)
        return changed, len(changed)
    print(replace_sets(package, annotator, ids, decide))
"""


def measure_size(folder: Path, documents: int, annotators: int, window: bool) -> Iterator[Measure]:
    data = folder / f"corpus-{documents}-{annotators}.jsonl"
    write_corpus_file(data, documents, annotators)
    corpus = folder / f"corpus-{documents}-{annotators}.annotator"
    subprocess.run(cli("init", corpus), check=True, capture_output=True, cwd=REPO)
    yield timed("import", cli("import", corpus, data), annotators, documents)
    data.unlink()
    yield timed("export jsonl", cli("export", corpus, folder / "out.jsonl"), annotators, documents)
    (folder / "out.jsonl").unlink()
    spacy_out = folder / "spacy-out"
    yield timed(
        "export spacy",
        cli("export", corpus, spacy_out, "--format", "spacy", "--from", ANNOTATORS[0]),
        annotators,
        documents,
    )
    shutil.rmtree(spacy_out)
    if annotators > 1:
        yield timed("agreement", cli("agreement", corpus, "--json"), annotators, documents)
    yield timed("stats", cli("stats", corpus, "--json"), annotators, documents)
    package = folder / "package.annotator"
    subprocess.run(
        cli("package", corpus, "--annotator", ANNOTATORS[0], "-o", package),
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    subprocess.run(
        [sys.executable, "-c", PREPARE_PACKAGE, str(package), ANNOTATORS[0]],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    yield timed("merge", cli("merge", corpus, package), annotators, documents)
    package.unlink()
    if window:
        yield timed(
            "open the window",
            cli(corpus, "--annotator", ANNOTATORS[0]),
            annotators,
            documents,
            ANNOTATOR_SMOKE="1",
        )
    corpus.unlink()


def exponent(small: Measure, large: Measure) -> float | None:
    if small.cpu <= 0 or large.documents == small.documents:
        return None
    return math.log(large.cpu / small.cpu) / math.log(large.documents / small.documents)


Result = tuple[str, str, str, float, str, bool]


def report(measures: list[Measure]) -> list[Result]:
    """The table printed for the README and one RESULT per command and annotator count."""
    sizes = sorted({m.documents for m in measures})
    print(
        "\n| command | annotators | " + " | ".join(f"{n:,} docs" for n in sizes) + " | exponent |"
    )
    print("|---|---|" + "---|" * len(sizes) + "---|")
    results: list[Result] = []
    keys = dict.fromkeys((m.command, m.annotators) for m in measures)
    for command, annotators in keys:
        row = {
            m.documents: m for m in measures if (m.command, m.annotators) == (command, annotators)
        }
        cells = [
            f"{row[n].wall:.1f} s, {row[n].cpu:.1f} s CPU, {row[n].rss_mb:,.0f} MB"
            if n in row
            else "–"
            for n in sizes
        ]
        present = [row[n] for n in sizes if n in row]
        power = exponent(present[-2], present[-1]) if len(present) >= 2 else None
        shown = f"{power:.2f}" if power is not None else "–"
        print(f"| {command} | {annotators} | " + " | ".join(cells) + f" | {shown} |")
        largest = present[-1]
        if power is None:
            continue
        before = present[-2]
        target = f"linear (exponent ≤ {MAX_EXPONENT}), ≤ 4 GB at 100k × 3"
        met = power <= MAX_EXPONENT and largest.rss_mb <= MAX_RSS_MB
        if command in FLAT:
            target += f", peak memory within {MAX_GROWTH}× of the smaller size's"
            met = met and largest.rss_mb <= MAX_GROWTH * before.rss_mb
        results.append(
            (
                f"scale: {command}, {annotators} annotator(s), "
                f"{before.documents:,} → {largest.documents:,} docs",
                f"exponent {power:.2f}; {largest.wall:.1f} s, {largest.rss_mb:,.0f} MB "
                f"at {largest.documents:,} docs",
                f"{before.cpu:.1f} s CPU, {before.rss_mb:,.0f} MB at {before.documents:,} docs",
                largest.cpu / before.cpu,
                target,
                met,
            )
        )
    return results


def run(sizes: list[int], annotator_counts: list[int]) -> list[dict[str, object]]:
    """Measure every size and annotator count; print the table and the RESULT lines."""
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="annotator-scale-") as folder:
        for annotators in annotator_counts:
            for documents in sizes:
                window = documents == max(sizes) and annotators == max(annotator_counts)
                for measure in measure_size(Path(folder), documents, annotators, window):
                    print(
                        f"{measure.command:16} {annotators} × {documents:>7,}: "
                        f"{measure.wall:7.1f} s wall, {measure.cpu:7.1f} s CPU, "
                        f"{measure.rss_mb:7,.0f} MB",
                        flush=True,
                    )
                    measures.append(measure)
    rows = report(measures)
    print(f"\nmachine: {machine()}")
    return [print_result(*row) for row in rows]


@pytest.mark.perf
def test_the_commands_scale_linearly_on_a_small_run() -> None:
    results = run([1000, 3000], [3])
    assert {r["work"].split(",")[0] for r in results} >= {"scale: import", "scale: agreement"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="document counts, comma-separated")
    parser.add_argument("--annotators", default="1,3", help="annotator counts, comma-separated")
    options = parser.parse_args()
    run(
        [int(n) for n in options.sizes.split(",")],
        [int(n) for n in options.annotators.split(",")],
    )

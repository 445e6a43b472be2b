"""Benchmark (issue 20, item 3): merging a work package of 10k documents × 50 spans ≤ 3 s.

Run with ``python3 tests/perf/bench_merge.py [DOCUMENTS]`` or ``python3 -m pytest
tests/perf/bench_merge.py -m perf -s``.

The corpus holds the documents of the spaCy export benchmark (ten French sentences, 50
spans each: 30 entities, 10 cues, 10 claims with a stance, claimant and cue) annotated by
alice. Her package of every document is made with ``annotator package``, then every set
in it is changed (its last claim dropped, with its links), as a week of work would, so
that the merge replaces every set. Timed: ``annotator merge CORPUS PACKAGE`` as its own
process (wall and CPU time, peak memory), which reads the package, checks every set
against the scheme, compares it with the corpus's and writes the changed ones in one
transaction; then the same merge again, which finds nothing to change.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.perf.bench_scale import PREPARE_PACKAGE, cli, timed
from tests.perf.bench_spacy_export import generate
from tests.perf.results import print_result

DOCUMENTS = 10_000
TARGET = 3.0
REPO = Path(__file__).resolve().parents[2]


def build(folder: Path, count: int) -> tuple[Path, Path]:
    """A corpus of ``count`` documents by alice and her package, every set changed."""
    from annotator.services.corpora import init_corpus

    corpus = folder / "merge.annotator"
    with init_corpus(corpus) as created:
        documents = generate(count)
        for i in range(0, count, 1000):
            created.add_documents(documents[i : i + 1000])
    package = folder / "package.annotator"
    for args in (
        cli("package", corpus, "--annotator", "alice", "-o", package),
        [sys.executable, "-c", PREPARE_PACKAGE, str(package), "alice"],
    ):
        subprocess.run(args, check=True, capture_output=True, cwd=REPO)
    return corpus, package


def run(count: int = DOCUMENTS) -> float:
    with tempfile.TemporaryDirectory(prefix="annotator-merge-") as name:
        corpus, package = build(Path(name), count)
        first = timed("merge", cli("merge", corpus, package), 1, count)
        again = timed("merge again", cli("merge", corpus, package), 1, count)
    print(f"\nmerge of a package of {count:,} documents × 50 spans, every set changed")
    for measure in (first, again):
        print(
            f"  {measure.command:12}: {measure.wall:6.2f} s wall, {measure.cpu:6.2f} s CPU, "
            f"{measure.rss_mb:,.0f} MB"
        )
    work = f"merge of a package of {count:,} documents × 50 spans"
    print_result(
        f"{work}, every set changed",
        f"{first.wall:.2f} s ({first.cpu:.2f} s CPU, {first.rss_mb:,.0f} MB)",
        None,
        None,
        f"≤ {TARGET} s",
        first.wall <= TARGET,
    )
    print_result(
        f"{work}, merged again (nothing changes)",
        f"{again.wall:.2f} s ({again.cpu:.2f} s CPU)",
        None,
        None,
        f"≤ {TARGET} s",
        again.wall <= TARGET,
    )
    return first.wall


@pytest.mark.perf
def test_merging_a_package_of_10k_documents_within_target() -> None:
    assert run() <= TARGET


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENTS)

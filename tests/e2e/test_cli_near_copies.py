"""Wire copies end to end (issue 24): planted near-copies (an edited headline, a cut
paragraph, an added byline) are found at import, listed by ``annotator duplicates``,
counted by ``stats``, and ``assign`` gives each cluster whole to the same annotators
(or, with ``--one-per-cluster``, only its first document)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.store.corpus import Corpus
from tests.e2e.cli import annotator
from tests.unit.services.near_copy_samples import (
    article,
    cut_paragraph,
    edited_headline,
    text_of,
    with_byline,
)


def write(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def wire(tmp_path: Path) -> Path:
    corpus = tmp_path / "wire.annotator"
    assert annotator("init", corpus).returncode == 0
    first = {f"story{i:02d}": text_of(article(i)) for i in range(24)}
    first |= {
        "story03-headline": edited_headline(article(3)),
        "story05-cut": cut_paragraph(article(5)),
    }
    done = annotator("import", corpus, write(tmp_path / "monday", first))
    assert done.returncode == 0, done.stderr
    assert "near-copies: of the 26 new documents, 4 are near-copies of each other" in done.stdout
    second = {
        "story03-byline": with_byline(article(3)),
        "story11-cut": cut_paragraph(article(11), 8),
        "story99": text_of(article(99)),
    }
    done = annotator("import", corpus, write(tmp_path / "tuesday", second))
    assert done.returncode == 0, done.stderr
    assert (
        "near-copies: of the 3 new documents, 2 are near-copies of documents already in "
        "the corpus" in done.stdout
    )
    return corpus


def test_duplicates_lists_the_clusters_and_stats_counts_them(wire: Path) -> None:
    listed = annotator("duplicates", wire, "--json")
    assert listed.returncode == 0, listed.stderr
    figures = json.loads(listed.stdout)
    keys = ("threshold", "shingle", "documents", "clustered", "copies")
    assert {k: figures[k] for k in keys} == {
        "threshold": 0.8, "shingle": 5, "documents": 29, "clustered": 7, "copies": 4
    }  # fmt: skip
    assert [c["documents"] for c in figures["clusters"]] == [  # in corpus order
        ["story03-headline", "story03", "story03-byline"],  # a folder imports sorted
        ["story05-cut", "story05"],
        ["story11", "story11-cut"],
    ]
    assert all(
        0.8 <= c["similarity"]["min"] <= c["similarity"]["max"] < 1 for c in figures["clusters"]
    )

    text = annotator("duplicates", wire)
    assert text.returncode == 0
    assert text.stdout.startswith("3 clusters of near-copies hold 7 of 29 documents")
    assert "story03-headline: 3 documents, similarity" in text.stdout

    stats = json.loads(annotator("stats", wire, "--json").stdout)
    assert stats["near_copies"] == {
        "threshold": 0.8, "clusters": 3, "clustered": 7, "copies": 4, "not_compared": 0
    }  # fmt: skip
    assert "near-copies 3 clusters of 7 documents" in annotator("stats", wire).stdout


def test_a_new_threshold_and_a_bad_one(wire: Path) -> None:
    looser = annotator("duplicates", wire, "--threshold", "0.3", "--json")
    assert looser.returncode == 0, looser.stderr
    assert json.loads(looser.stdout)["threshold"] == 0.3
    bad = annotator("duplicates", wire, "--threshold", "1.5")
    assert bad.returncode == 1
    assert "--threshold 1.5: give a Jaccard similarity above 0, at most 1" in bad.stderr
    assert "Traceback" not in bad.stderr
    with Corpus.open(wire, read_only=True) as corpus:
        assert corpus.setting("near_copies") == {"threshold": 0.3}


def packaged(folder: Path) -> dict[str, set[str]]:
    given = {}
    for path in sorted(folder.glob("*.annotator")):
        with Corpus.open(path, read_only=True) as package:
            given[path.stem.rsplit("-", 1)[-1]] = set(package.document_ids())
    return given


def test_assign_keeps_each_cluster_with_the_same_annotators(wire: Path, tmp_path: Path) -> None:
    clusters = [
        {"story03", "story03-headline", "story03-byline"},
        {"story05", "story05-cut"},
        {"story11", "story11-cut"},
    ]
    for seed in ("0", "1", "2", "3"):
        out = tmp_path / f"packages-{seed}"
        done = annotator(
            "assign", wire, "--annotators", "ana,ben,chloe", "-o", out, "--overlap", "0.3",
            "--seed", seed,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "near-copies: each of 3 clusters went whole to the same annotators" in done.stdout
        given = packaged(out)
        assert set(given) == {"ana", "ben", "chloe"}
        assert set().union(*given.values()) == {f"story{i:02d}" for i in range(24)} | {
            "story03-headline", "story05-cut", "story03-byline", "story11-cut", "story99"
        }  # fmt: skip
        for cluster in clusters:
            holders = [{name for name, docs in given.items() if doc in docs} for doc in cluster]
            assert all(h == holders[0] for h in holders), (seed, cluster, holders)

    out = tmp_path / "one-each"
    done = annotator("assign", wire, "--annotators", "ana,ben", "-o", out, "--one-per-cluster")
    assert done.returncode == 0, done.stderr
    assert "one document of each of 3 clusters assigned, 4 copies to nobody" in done.stdout
    everything = set().union(*packaged(out).values())
    assert {"story03-headline", "story05-cut", "story11"} <= everything
    assert not everything & {"story03", "story03-byline", "story05", "story11-cut"}
    assert len(everything) == 25

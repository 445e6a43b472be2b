"""The corpus read as rows, batch after batch (``compute_agreement``), gives exactly the
figures of the documents read as core objects and flattened at once (``collect`` +
``build_report``), on randomized corpora that hold everything agreement reads."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from annotator.agreement.actors import add_actor_figures, keep_linked
from annotator.agreement.collect import collect
from annotator.agreement.ranking import group_copies
from annotator.agreement.report import AgreementReport, build_report
from annotator.core.model import GOLD, AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.services.agreement import compute_agreement, mark_copies
from annotator.services.claims import claim_layer
from annotator.services.corpora import default_scheme
from annotator.store.actors import actors
from annotator.store.corpus import Corpus

WORDS = ["Marie", "Curie", "visite", "Paris", "et", "Lyon", "l’Oracle", "don't", "affirme", ","]
ENTITY = ["PER", "ORG", "LOC", "MISC"]
STANCES = ["FAVOR", "AGAINST", "NONE"]


def scheme() -> Scheme:
    raw = default_scheme().to_dict()
    raw["questions"].append({"name": "topics", "values": ["a", "b", "c"], "multi": True})
    return Scheme.from_dict(raw)


def random_set(rng: random.Random, name: str, text: str, boundaries: list[int]) -> AnnotationSet:
    """A set as an annotator (or a model, for suggestions) could have made it."""
    spans: list[Span] = []
    count = min(len(boundaries) - 1, rng.randint(0, 4))
    entities = sorted(rng.sample(range(len(boundaries) - 1), k=count))
    for number, index in enumerate(entities):
        start, end = boundaries[index], boundaries[index + 1] - 1
        state = "suggested" if rng.random() < 0.15 else "accepted"
        pieces = None
        free = index + 2 < len(boundaries) - 1 and not {index + 1, index + 2} & set(entities)
        if free and rng.random() < 0.3:  # a name cut by a word: the store reads it as a row
            pieces = ((start, end), (boundaries[index + 2], boundaries[index + 3] - 1))
            end = pieces[-1][1]
        spans.append(
            Span(
                f"e{number}",
                "entity",
                start,
                end,
                rng.choice(ENTITY),
                {},
                "manual",
                state,
                fragments=pieces,
            )
        )
    for number in range(rng.randint(0, 3)):
        first = rng.randrange(len(boundaries) - 1)
        last = rng.randrange(first, len(boundaries) - 1)
        attrs: dict[str, str] = {}
        if rng.random() < 0.7:
            attrs["stance"] = rng.choice(STANCES)
        if rng.random() < 0.2:
            attrs["attribution"] = "UNATTRIBUTED"
        start, end = boundaries[first], boundaries[last + 1] - 1
        pieces = None
        if last - first >= 2 and rng.random() < 0.4:  # a quote cut by its attribution
            pieces = ((start, boundaries[first + 1] - 1), (boundaries[first + 2], end))
        ident = f"c\x1f{number}" if rng.random() < 0.05 else f"c{number}"  # see row_reads
        spans.append(Span(ident, "claim", start, end, "CLAIM", attrs, fragments=pieces))
    for number in range(rng.randint(0, 2)):
        index = rng.randrange(len(boundaries) - 1)
        start, end = boundaries[index], boundaries[index + 1] - 1
        spans.append(Span(f"u{number}", "cue", start, end, "CUE"))
    rng.shuffle(spans)  # storage order is not text order
    claims = [s for s in spans if s.layer == "claim"]
    entities_ = [s for s in spans if s.layer == "entity"]
    cues = [s for s in spans if s.layer == "cue"]
    relations = []
    for claim in claims:
        for _ in range(rng.choice([0, 1, 1, 2])):  # two links: the first one counts
            if entities_ and rng.random() < 0.8:
                relations.append(Relation(claim.id, rng.choice(entities_).id, "CLAIMANT"))
        if cues and rng.random() < 0.6:
            relations.append(Relation(claim.id, rng.choice(cues).id, "CUE"))
    answers: dict[str, str | list[str]] = {}
    if rng.random() < 0.8:
        answers["stance"] = rng.choice(STANCES)
    if rng.random() < 0.6:
        answers["topics"] = sorted(rng.sample(["a", "b", "c"], k=rng.randint(0, 2)))
    status = rng.choice(["done", "done", "in_progress", "todo", "skipped"])
    if status == "todo" and rng.random() < 0.5:  # an assignment never started
        spans = [s for s in spans if s.state == "suggested"]
        relations, answers = [], {}
    return AnnotationSet(name, status, spans, relations, answers)


def random_corpus(path: Path, seed: int, documents: int) -> Corpus:
    rng = random.Random(seed)
    corpus = Corpus.create(path, scheme())
    docs = []
    for number in range(documents):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
        text = " ".join(words)
        boundaries = [0]
        for word in words:
            boundaries.append(boundaries[-1] + len(word) + 1)
        meta = {"lang": "en"} if rng.random() < 0.2 else {}
        names = rng.sample(["alice", "bob", "carol", "dave", GOLD], k=rng.randint(0, 4))
        sets = [random_set(rng, name, text, boundaries) for name in names]
        docs.append(Document(f"doc-{number:03d}", text, meta, sets))
    corpus.add_documents(docs)
    return corpus


def as_objects(corpus: Corpus) -> AgreementReport:
    """The object path: every document read whole, flattened in one go (the actor
    figures of issue 23 from the same documents)."""
    registry, linked = actors(corpus), list[Document]()
    documents = keep_linked(corpus.documents(), linked, registry)
    data = collect(documents, corpus.scheme, claim_layer(corpus.scheme))
    report = build_report(data, GOLD)
    add_actor_figures(report.figures, linked, corpus.scheme, registry)
    mark_copies(report.figures, corpus)  # issue 24: the same grouping of near-copies
    return report


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_of_rows_give_the_figures_of_the_documents_read_whole(
    tmp_path: Path, seed: int
) -> None:
    with random_corpus(tmp_path / "corpus.annotator", seed, 60) as corpus:
        expected = as_objects(corpus)
        for batch in (1, 7, 1000):
            streamed = compute_agreement(corpus, batch=batch)

            assert json.dumps(streamed.figures) == json.dumps(expected.figures)
            assert streamed.confusions == expected.confusions


def test_spans_whose_label_the_scheme_lacks_are_read_as_rows(tmp_path: Path) -> None:
    """A label no longer in the scheme (a file edited by hand, a server written by an
    older version) is counted under its own name by both paths, in the same order."""
    with random_corpus(tmp_path / "corpus.annotator", 4, 60) as corpus:
        with corpus.engine.begin() as conn:
            changed = conn.exec_driver_sql(
                "UPDATE spans SET label = 'EVENT' WHERE layer = 'entity' AND pk % 3 = 0"
            ).rowcount
        expected = as_objects(corpus)
        streamed = compute_agreement(corpus, batch=7)

    assert changed > 10 and "EVENT" in json.dumps(expected.figures)
    assert json.dumps(streamed.figures) == json.dumps(expected.figures)


def test_the_random_corpora_hold_what_the_figures_read(tmp_path: Path) -> None:
    """The comparison above is worth something: pairs, gold, claims, questions and
    disagreements all have figures."""
    with random_corpus(tmp_path / "corpus.annotator", 1, 60) as corpus:
        figures = as_objects(corpus).figures
        corpus_documents = list(corpus.documents())

    assert len(figures["annotators"]) == 4 and figures["documents"] > 10
    assert figures["layers"]["entity"]["alpha_tokens"] is not None
    assert figures["claims"]["matched"] > 0 and figures["claims"]["cue_items"] > 0
    assert figures["questions"]["topics"]["items"] > 0
    assert figures["gold"] and figures["documents_by_disagreement"][0]["disagreement"] > 0
    spans = [s for d in corpus_documents for a in d.annotations for s in a.spans]
    assert any(s.fragments for s in spans if s.layer == "claim")
    assert any(s.fragments for s in spans if s.layer == "entity" and not s.suggested)
    assert any("\x1f" in s.id for s in spans)


def test_a_corpus_without_documents_gives_the_figures_of_no_documents(corpus: Corpus) -> None:
    expected = build_report(collect([], corpus.scheme))
    add_actor_figures(expected.figures, [], corpus.scheme, {})
    group_copies(expected.figures, {})

    assert compute_agreement(corpus).figures == expected.figures

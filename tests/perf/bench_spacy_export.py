"""Benchmark (DESIGN §10): spaCy export of 10k documents × 50 spans, against a bare
``make_doc`` + ``char_span`` + ``DocBin`` baseline in the same process. Target ≤ 1.5×.

Run with ``python3 -m pytest tests/perf/bench_spacy_export.py -m perf -s`` or
``python3 tests/perf/bench_spacy_export.py [DOCUMENTS [REPEATS]]`` (about 4 minutes for
10k documents on two cores).

Each generated document is ten French sentences (about 280 tokens, NBSP before ``:``
and inside guillemets) carrying 50 spans: 30 entities, 10 cues and 10 claims with a
stance, each claim linked to its claimant and cue, and a document stance.

- **baseline**: the texts and span offsets already in memory; ``nlp.make_doc``, one
  ``doc.char_span`` per span, entities into ``doc.ents`` and the other spans into
  ``doc.spans[layer]``, ``DocBin.add``, then the DocBin's bytes written to a file. Plain
  spaCy: no user_data, no cats, no split, no config, and srsly as spaCy ships it.
- **export**: ``annotator.services.training.export_training_data`` on the corpus file:
  reading the documents from SQLite, the full mapping (ents, span groups, claimants,
  claim stance, cats, user_data), the alignment audit, the split, ``config.cfg`` and
  ``report.json``; the time a user waits for ``annotator export --format spacy``.

Also printed, for the record: the export from documents already in memory (no SQLite),
and the baseline with the msgpack entry-point cache.
"""

from __future__ import annotations

import gc
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from annotator.core.model import AnnotationSet, Document, Relation, Span
from tests.perf.results import print_result

DOCUMENTS = 10_000
REPEATS = 2
TARGET = 1.5

NAMES = [("Marie Dubois", "PER"), ("Jean Martin", "PER"), ("Claire Petit", "PER")]
ORGS = [("Oracle", "ORG"), ("TikTok", "ORG"), ("Bytedance", "ORG"), ("la CNIL", "ORG")]
PLACES = [("Paris", "LOC"), ("Lyon", "LOC"), ("Marseille", "LOC"), ("Bruxelles", "LOC")]
CUES = ["a déclaré", "affirme", "estime", "assure"]
CLAIMS = [
    "les données des utilisateurs américains seront stockées sur des serveurs d’Oracle",
    "la plateforme partage trop d’informations avec ses partenaires publicitaires",
    "le contrat ne change rien pour la protection de la vie privée du public",
    "les ingénieurs n’ont jamais eu accès aux données des comptes européens",
]
STANCES = ["FAVOR", "AGAINST", "NONE", "FAVOR"]


def generate(count: int, seed: int = 1) -> list[Document]:
    """``count`` documents of ten sentences, 50 spans each (see the module docstring)."""
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        text, spans, relations = "", [], []
        for s in range(10):
            place, person, org = rng.choice(PLACES), rng.choice(NAMES), rng.choice(ORGS)
            claim = rng.randrange(len(CLAIMS))
            parts: list[tuple[str, str | None, str, str]] = [
                ("À ", None, "", ""),
                (place[0], f"l{s}", "entity", place[1]),
                (", lors d’une conférence de presse, ", None, "", ""),
                (person[0], f"p{s}", "entity", person[1]),
                (", porte-parole de ", None, "", ""),
                (org[0], f"o{s}", "entity", org[1]),
                (", ", None, "", ""),
                (rng.choice(CUES), f"u{s}", "cue", "CUE"),
                ("\u00a0: «\u00a0", None, "", ""),
                (CLAIMS[claim], f"c{s}", "claim", "CLAIM"),
                ("\u00a0». ", None, "", ""),
            ]
            for piece, span_id, layer, label in parts:
                if span_id is not None:
                    attrs = {"stance": STANCES[claim]} if layer == "claim" else {}
                    spans.append(
                        Span(span_id, layer, len(text), len(text) + len(piece), label, attrs)
                    )
                text += piece
            relations += [Relation(f"c{s}", f"p{s}", "CLAIMANT"), Relation(f"c{s}", f"u{s}", "CUE")]
        aset = AnnotationSet("alice", "done", spans, relations, {"stance": rng.choice(STANCES)})
        documents.append(Document(f"doc-{number:05d}", text.rstrip(), {}, [aset]))
    return documents


Rows = list[tuple[str, list[tuple[int, int, str, str]]]]


def baseline_rows(documents: list[Document]) -> Rows:
    """The texts and span offsets the baseline starts from (prepared before timing)."""
    return [
        (d.text, [(s.start, s.end, s.label, s.layer) for s in d.annotations[0].spans])
        for d in documents
    ]


def baseline(rows: Rows, out: Path) -> float:
    """Seconds for plain spaCy to turn the same texts and offsets into a DocBin file."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("fr")
    gc.collect()
    started = time.perf_counter()
    docbin = DocBin()
    for text, spans in rows:
        doc = nlp.make_doc(text)
        ents, groups = [], {}
        for start, end, label, layer in spans:
            token_span = doc.char_span(start, end, label=label)
            if layer == "entity":
                ents.append(token_span)
            else:
                groups.setdefault(layer, []).append(token_span)
        doc.ents = ents
        for layer, group in groups.items():
            doc.spans[layer] = group
        docbin.add(doc)
    out.write_bytes(docbin.to_bytes())
    return time.perf_counter() - started


def export_from_corpus(corpus: Any, out: Path) -> float:
    from annotator.services.training import export_training_data

    gc.collect()
    started = time.perf_counter()
    report = export_training_data(corpus, out, alignment="strict")
    elapsed = time.perf_counter() - started
    assert not report.audit.misaligned and report.train + report.dev == corpus.document_count()
    return elapsed


def export_in_memory(documents: list[Document], scheme: Any, out: Path) -> float:
    from annotator.nlp.export import export_docbins

    gc.collect()
    started = time.perf_counter()
    export_docbins(documents, out, scheme)
    return time.perf_counter() - started


def run(count: int = DOCUMENTS, repeats: int = REPEATS) -> float:
    """Print the timings and return the export's ratio to the bare baseline.

    Each measurement is the best of ``repeats`` runs, baseline and export alternating,
    so that other work on the machine weighs on both alike. Only what a phase needs is
    alive while it is timed: the generated documents are dropped once the corpus and
    the baseline's input exist (a large live heap slows every allocation down).
    """
    from annotator.nlp.msgpack_cache import entry_points_cached
    from annotator.services.corpora import default_scheme, init_corpus, open_corpus

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        documents = generate(count)
        spans = sum(len(d.annotations[0].spans) for d in documents)
        with init_corpus(work / "bench.annotator") as corpus:
            for i in range(0, count, 1000):
                corpus.add_documents(documents[i : i + 1000])
        rows = baseline_rows(documents)
        del documents
        import spacy  # noqa: F401 - loaded before timing, as in the export's process

        bare, full = [], []
        for _ in range(repeats):
            bare.append(baseline(rows, work / "baseline.spacy"))
            with open_corpus(work / "bench.annotator") as corpus:
                full.append(export_from_corpus(corpus, work / "out"))
        with entry_points_cached():
            cached = baseline(rows, work / "baseline-cached.spacy")
        del rows
        memory = export_in_memory(generate(count), default_scheme(), work / "memory")
    ratio = min(full) / min(bare)
    print(f"\nspaCy export of {count} documents, {spans} spans (best of {repeats})")
    print(f"  baseline make_doc + char_span + DocBin : {min(bare):7.2f} s")
    print(f"  export from the corpus (SQLite)        : {min(full):7.2f} s  ratio {ratio:.2f}")
    print(f"  baseline with the msgpack cache        : {cached:7.2f} s")
    print(f"  export from documents in memory        : {memory:7.2f} s")
    print(f"  export / cached baseline               : {min(full) / cached:.2f}")
    print(f"  target: ratio <= {TARGET}")
    print_result(
        f"spaCy export of {count:,} documents × {spans // count} spans",
        f"{min(full):.2f} s",
        f"{min(bare):.2f} s (make_doc + char_span + DocBin)",
        ratio,
        f"≤ {TARGET}×",
        ratio <= TARGET,
    )
    return ratio


@pytest.mark.perf
def test_spacy_export_within_target_of_bare_docbin() -> None:
    assert run() <= TARGET


if __name__ == "__main__":
    run(*(int(arg) for arg in sys.argv[1:3]))

"""The interrupted claims of the seed articles, end to end (issue 22): each is one claim
in two pieces, with one claimant, one cue (the reporting clause in the gap) and one
stance; it round-trips through JSONL, brat and DocBin, and counts once in agreement.

The seed articles have two claims cut by their attribution: the dockers' article
(« un mouvement « irresponsable » qui, *selon elle*, coûte « plusieurs millions d’euros
par jour » à l’économie régionale ») and the Orbelia article (« L’État saupoudre… »,
*estime-t-il*, jugeant que « la France disperse ses moyens »…). Two annotators mark
them the same way, as the window does: a claim, then ``+`` with the next piece
selected (:func:`annotator.core.fragments.added_piece`), a claimant, a cue, a stance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator.core.edits import Compound, SetPieces, SetStatus
from annotator.core.fragments import added_piece, span_text
from annotator.core.model import Document
from annotator.services.annotating import AnnotationSession
from annotator.services.corpora import init_corpus, seed_documents
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.e2e.cli import annotator


@dataclass(frozen=True)
class InterruptedClaim:
    document: str
    pieces: tuple[str, str]
    claimant: str
    cue: str
    stance: str


CLAIMS = (
    InterruptedClaim(
        "greve-dockers-marseille-fos",
        (
            "un mouvement «\u00a0irresponsable\u00a0» qui",
            "coûte «\u00a0plusieurs millions d’euros par jour\u00a0»",
        ),
        "L’Association des usagers du port de Fos",
        "selon elle",
        "AGAINST",
    ),
    InterruptedClaim(
        "orbelia-satellite-kourou",
        (
            "L’État saupoudre des subventions sur des dizaines de start-up au lieu de bâtir "
            "une véritable constellation européenne",
            "la France «\u00a0disperse ses moyens\u00a0» face à la concurrence américaine",
        ),
        "Antoine Ferrand",
        "estime",
        "AGAINST",
    ),
)
ANNOTATORS = ("alice", "bob")


def at(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def annotate(corpus: Corpus, name: str, claim: InterruptedClaim) -> None:
    """Mark ``claim`` as an annotator does in the window, edit by edit (snapped to words)."""
    session = AnnotationSession(corpus, name)
    text = session.open(claim.document).text
    first = session.snap(*at(text, claim.pieces[0]))
    assert first is not None
    session.apply(claim.document, session.label_edit(*first, "claim", "CLAIM"))  # type: ignore[arg-type]
    (made,) = session.aset.spans
    second = session.snap(*at(text, claim.pieces[1], first[1]))
    assert second is not None
    session.apply(claim.document, SetPieces(made.id, added_piece(made, *second, text)))
    claimant = session.snap(*at(text, claim.claimant))
    cue = session.snap(*at(text, claim.cue, first[1]))
    assert claimant is not None and cue is not None
    for relation, (start, end), layer, label in (
        ("CLAIMANT", claimant, "entity", "ORG" if "Association" in claim.claimant else "PER"),
        ("CUE", cue, "cue", "CUE"),
    ):
        edit = session.create_and_link_edit(relation, made.id, start, end, layer, label)
        session.apply(claim.document, edit)
    stance = session.scheme.layer("claim").attribute("stance")  # type: ignore[union-attr]
    assert stance is not None
    stance_edit = session.attribute_edit(made.id, stance.values.index(claim.stance))
    assert stance_edit is not None
    session.apply(claim.document, Compound((stance_edit, SetStatus("done"))))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two seed articles with both annotators' claims (read only by the tests)."""
    return seeded_corpus(tmp_path_factory.mktemp("seeded") / "c.annotator")


def seeded_corpus(path: Path) -> Path:
    wanted = {c.document for c in CLAIMS}
    with init_corpus(path) as corpus:
        corpus.add_documents([d for d in seed_documents() if d.id in wanted])
        for claim in CLAIMS:
            for name in ANNOTATORS:
                annotate(corpus, name, claim)
    return path


def claims_of(document: Document, name: str) -> list[tuple[object, ...]]:
    """Each claim of ``name`` on ``document`` as its pieces' text, its pieces, its stance,
    and the text of its claimant and cue."""
    aset = document.annotation_set(name)
    assert aset is not None
    found = []
    for span in aset.spans:
        if span.layer != "claim":
            continue
        linked = {r.label: aset.span(r.child) for r in aset.relations if r.head == span.id}
        found.append(
            (
                span_text(span, document.text),
                span.fragments,
                span.attrs.get("stance"),
                *(
                    document.text[s.start : s.end] if (s := linked.get(role)) else None
                    for role in ("CLAIMANT", "CUE")
                ),
            )
        )
    return found


def everything(path: Path, name: str) -> dict[str, list[tuple[object, ...]]]:
    with Corpus.open(path) as corpus:
        return {c.document: claims_of(corpus.document(c.document), name) for c in CLAIMS}


def test_an_interrupted_claim_is_one_claim_with_one_claimant_cue_and_stance(
    corpus: Path,
) -> None:
    found = everything(corpus, "alice")

    for claim in CLAIMS:
        ((shown, pieces, stance, claimant, cue),) = found[claim.document]
        assert pieces is not None and len(pieces) == 2
        assert shown == " … ".join(claim.pieces)
        assert (stance, claimant, cue) == (claim.stance, claim.claimant, claim.cue)


def test_interrupted_claims_round_trip_through_jsonl_brat_and_docbin(
    corpus: Path, tmp_path: Path
) -> None:
    expected = everything(corpus, "alice")
    exports = {
        "jsonl": tmp_path / "out.jsonl",
        "brat": tmp_path / "brat",
        "spacy": tmp_path / "spacy",
    }
    for fmt, out in exports.items():
        exported = annotator("export", corpus, out, "--format", fmt, "--from", "alice")
        assert exported.returncode == 0, exported.stderr
        assert "fragment" not in exported.stderr  # all three hold a span in pieces

        again = tmp_path / f"{fmt}.annotator"
        # The split puts each document in train or dev: a DocBin import reads both.
        sources = [out / "train.spacy", out / "dev.spacy"] if fmt == "spacy" else [out]
        with init_corpus(again) as target:
            import_paths(target, sources, fmt, annotator="alice")

        assert everything(again, "alice") == expected, fmt

    lines = [json.loads(line) for line in exports["jsonl"].read_text("utf-8").splitlines()]
    spans = [s for doc in lines for a in doc["annotations"] for s in a["spans"]]
    assert sum("fragments" in s for s in spans) == len(CLAIMS)
    assert all("fragments" not in s for s in spans if s["layer"] != "claim")
    ann = (exports["brat"] / "orbelia-satellite-kourou.ann").read_text("utf-8")
    assert any(";" in line.split("\t")[1] for line in ann.splitlines() if line.startswith("T"))
    report = json.loads((exports["spacy"] / "report.json").read_text("utf-8"))
    assert report["split"] == len(CLAIMS)


def test_formats_without_fragments_write_each_piece_and_say_so(
    corpus: Path, tmp_path: Path
) -> None:

    exported = annotator(
        "export", corpus, tmp_path / "out.jsonl", "--format", "doccano", "--from", "alice"
    )

    assert exported.returncode == 0, exported.stderr
    assert f"each fragment of {len(CLAIMS)} discontinuous spans" in exported.stderr
    assert "doccano format cannot hold" in exported.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    claims = [e for r in records for e in r["entities"] if e["label"] == "CLAIM"]
    assert len(claims) == 2 * len(CLAIMS)


def test_an_interrupted_claim_counts_once_in_agreement(corpus: Path) -> None:

    result = annotator("agreement", corpus, "--json")

    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    claim_layer = figures["layers"]["claim"]
    assert claim_layer["labels"]["CLAIM"]["support"] == len(CLAIMS) * len(ANNOTATORS)
    assert claim_layer["f1_exact"] == 1.0
    assert figures["claims"]["matched"] == len(CLAIMS)
    assert figures["claims"]["claimant_agreement"] == 1.0
    assert figures["claims"]["stance_agreement"] == 1.0
    assert figures["claims"]["cue_agreement"] == 1.0

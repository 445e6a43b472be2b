"""Who claims what, end to end (issue 23): on the seed corpus the claimants of the
TikTok article are linked to actors; the links and the registry survive a work package
and its merge, a second annotator's duplicate actor is reported (not merged silently),
the claims table is exported, agreement reads the actor, the spaCy export carries the
knowledge-base id, and a JSONL export imported into a new corpus gives them back."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.core.actors import Actor
from annotator.core.edits import AddRelation, AddSpan, Compound, LinkActor, SetStatus
from annotator.core.model import Relation, Span
from annotator.services import actors as service
from annotator.services.corpora import init_corpus, seed_documents
from annotator.store.corpus import Corpus
from tests.e2e.cli import annotator

TIKTOK_DOC = "tiktok-oracle-donnees-americaines"
CNIL_DOC = "cnil-amende-colibri-livraison"
CLAIM_A = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"
CLAIM_C = (
    "Nous avons fait venir des experts en sécurité très renommés pour nous aider à "
    "renforcer nos efforts en la matière"
)


def place(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def claim_edit(
    text: str, who: str, claimant: tuple[str, int, str], claim: str, stance: str, actor: str | None
) -> Compound:
    """A claim, its claimant span and CLAIMANT link, and the claimant's actor link."""
    needle, nth, layer = claimant
    c_start, c_end = place(text, claim)
    s_start, s_end = place(text, needle, nth)
    claim_id, span_id = f"{who}-c{c_start}", f"{who}-s{s_start}"
    label = "ORG" if layer == "entity" else "SOURCE"
    edits = [
        AddSpan(Span(claim_id, "claim", c_start, c_end, "CLAIM", {"stance": stance}, "manual")),
        AddSpan(Span(span_id, layer, s_start, s_end, label, {}, "manual")),
        AddRelation(Relation(claim_id, span_id, "CLAIMANT")),
    ]
    if actor is not None:
        edits.append(LinkActor(span_id, actor))
    return Compound((*edits, SetStatus("done")))


def ok(*args: str | Path) -> str:
    done = annotator(*args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def lead(tmp_path: Path) -> Path:
    """The seed corpus; alice has linked the claimants of the TikTok article (TikTok and
    "un porte-parole de TikTok": one actor) and one of the CNIL article."""
    path = tmp_path / "lead.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents(seed_documents())
        tiktok = service.add_actor(corpus, "TikTok", "alice", aliases=["la plateforme"])
        cnil = service.add_actor(corpus, "CNIL", "alice", "institution")
        text = corpus.document(TIKTOK_DOC).text
        corpus.apply_edit(
            TIKTOK_DOC,
            "alice",
            claim_edit(text, "alice", ("TikTok", 1, "entity"), CLAIM_A, "FAVOR", tiktok.id),
        )
        corpus.apply_edit(
            TIKTOK_DOC,
            "alice",
            claim_edit(
                text,
                "alice",
                ("un porte-parole de TikTok", 0, "source"),
                CLAIM_C,
                "NONE",
                tiktok.id,
            ),
        )
        cnil_text = corpus.document(CNIL_DOC).text
        corpus.apply_edit(
            CNIL_DOC,
            "alice",
            claim_edit(
                cnil_text, "alice", ("Le régulateur", 0, "source"),
                "excessive et disproportionnée", "AGAINST", cnil.id,
            ),
        )  # fmt: skip
    return path


def registry_of(path: Path) -> dict[str, Actor]:
    with Corpus.open(path) as corpus:
        return service.registry(corpus)


def links_of(path: Path, doc_id: str, who: str) -> dict[str, str]:
    with Corpus.open(path) as corpus:
        return corpus.annotation_set(doc_id, who).actor_links


def test_links_survive_packages_merges_and_jsonl_and_the_claims_table_reads_them(
    lead: Path, tmp_path: Path
):
    tiktok = next(a for a in registry_of(lead).values() if a.name == "TikTok")

    # Bob's package carries the registry; he links his claimant to an actor he adds.
    package = tmp_path / "bob.annotator"
    ok("package", lead, "--annotator", "bob", "--docs", TIKTOK_DOC, "-o", package)
    assert registry_of(package) == registry_of(lead)
    with Corpus.open(package) as opened:
        twin = service.add_actor(opened, "Tiktok", "bob")  # the same actor, by another id
        text = opened.document(TIKTOK_DOC).text
        opened.apply_edit(
            TIKTOK_DOC,
            "bob",
            claim_edit(text, "bob", ("TikTok", 1, "entity"), CLAIM_A, "FAVOR", twin.id),
        )
    merged = ok("merge", lead, package)
    assert "actors added to the registry: Tiktok" in merged
    assert f"actor 'Tiktok' ({twin.id}, added by bob) has a name in common with 'TikTok'" in merged
    assert registry_of(lead)[twin.id] == twin  # the same id, not duplicated under another
    assert list(links_of(lead, TIKTOK_DOC, "bob").values()) == [twin.id]
    assert "0 changed, 1 unchanged" in ok("merge", lead, package)  # merging again: nothing
    assert len(registry_of(lead)) == 3

    # Agreement reads the actor: the claimant spans agree, their actors do not (yet).
    figures = json.loads(ok("agreement", lead, "--json"))
    assert figures["claims"]["claimant_agreement"] == 1.0
    assert figures["claims"]["actor_items"] == 1
    assert figures["claims"]["actor_agreement"] == 0.0
    assert figures["claims"]["pairs"]["alice|bob"]["actor_agreement"] == 0.0
    html = tmp_path / "agreement.html"
    ok("agreement", lead, "--html", html)
    assert "actor agreement" in html.read_text(encoding="utf-8")

    # The lead merges the twin into TikTok: bob's link follows, agreement is full.
    with Corpus.open(lead) as corpus:
        service.change_registry(corpus, service.MergeActors(twin.id, tiktok.id))
        kept = service.registry(corpus)[tiktok.id]
        service.change_registry(corpus, service.ReplaceActor(replace(kept, kb_id="Q48938223")))
    assert list(links_of(lead, TIKTOK_DOC, "bob").values()) == [tiktok.id]
    figures = json.loads(ok("agreement", lead, "--json"))
    assert figures["claims"]["actor_agreement"] == 1.0

    # The claims table: one row per claim, with the actor and its kb id.
    table = tmp_path / "claims.csv"
    assert "3 claims" in ok("export", lead, table, "--format", "claims", "--from", "alice")
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [
        (r["document"], r["claimant_text"], r["actor_name"], r["kb_id"], r["stance"]) for r in rows
    ] == [
        (TIKTOK_DOC, "TikTok", "TikTok", "Q48938223", "FAVOR"),
        (TIKTOK_DOC, "un porte-parole de TikTok", "TikTok", "Q48938223", "NONE"),
        (CNIL_DOC, "Le régulateur", "CNIL", "", "AGAINST"),
    ]
    assert rows[0]["claim_text"] == CLAIM_A and rows[0]["actor_id"] == tiktok.id
    lines = tmp_path / "claims.jsonl"
    ok("export", lead, lines, "--format", "claims", "--from", "all")
    records = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["annotator"], r["actor_name"], r["kb_id"]) for r in records) == [
        ("alice", "CNIL", None), ("alice", "TikTok", "Q48938223"),
        ("alice", "TikTok", "Q48938223"), ("bob", "TikTok", "Q48938223"),
    ]  # fmt: skip

    # Adjudication copies the claimant into gold with its link.
    ok("adjudicate", lead, "--auto")
    gold_table = tmp_path / "gold.csv"
    ok("export", lead, gold_table, "--format", "claims")  # gold, by default now
    gold_rows = list(csv.DictReader(gold_table.open(encoding="utf-8")))
    assert ("TikTok", tiktok.id) in {(r["claimant_text"], r["actor_id"]) for r in gold_rows}
    assert {r["annotator"] for r in gold_rows} == {"gold"}

    # The Actors view's reading: TikTok's claims with their stances across documents.
    with Corpus.open(lead) as corpus:
        by_name = {entry.actor.name: entry for entry in service.who_claims_what(corpus)}
    assert set(by_name) == {"TikTok", "CNIL"}  # the twin was merged away
    assert by_name["TikTok"].stances == {"FAVOR": 2, "NONE": 1}
    assert by_name["CNIL"].documents == [CNIL_DOC]

    # JSONL: export, import into a new corpus: the same registry and links.
    out = tmp_path / "all.jsonl"
    ok("export", lead, out)
    fresh = tmp_path / "fresh.annotator"
    ok("init", fresh)
    ok("import", fresh, out)
    assert registry_of(fresh) == registry_of(lead)
    for doc_id, who in ((TIKTOK_DOC, "alice"), (TIKTOK_DOC, "bob"), (CNIL_DOC, "alice")):
        assert links_of(fresh, doc_id, who) == links_of(lead, doc_id, who)


def test_the_spacy_export_puts_the_knowledge_base_id_on_linked_entities(lead: Path, tmp_path: Path):
    import spacy
    from spacy.tokens import DocBin

    with Corpus.open(lead) as corpus:
        tiktok = next(a for a in service.registry(corpus).values() if a.name == "TikTok")
        service.change_registry(corpus, service.ReplaceActor(replace(tiktok, kb_id="Q48938223")))
    out = tmp_path / "spacy"
    ok("export", lead, out, "--format", "spacy", "--from", "alice", "--dev-fraction", "0")
    docs = list(DocBin().from_disk(out / "train.spacy").get_docs(spacy.blank("fr").vocab))
    tiktok_doc = next(d for d in docs if "TikTok" in d.text)
    assert [(e.text, e.label_, e.kb_id_) for e in tiktok_doc.ents] == [
        ("TikTok", "ORG", "Q48938223")
    ]


def test_a_docbin_imported_into_a_new_corpus_brings_its_actors_and_links(
    lead: Path, tmp_path: Path
) -> None:
    """The DocBin's user_data carries the set's actor links and the registry entries
    they name: a spaCy export imported into an empty corpus links the same spans to the
    same actors, with their names, kinds and aliases."""
    out = tmp_path / "spacy"
    ok("export", lead, out, "--format", "spacy", "--from", "alice", "--dev-fraction", "0")
    fresh = tmp_path / "fresh.annotator"
    ok("init", fresh)
    ok("import", fresh, out / "train.spacy")
    for doc_id in (TIKTOK_DOC, CNIL_DOC):
        assert links_of(fresh, doc_id, "alice") == links_of(lead, doc_id, "alice") != {}
    with Corpus.open(lead) as corpus:
        linked = {
            a
            for links in (links_of(lead, d, "alice") for d in (TIKTOK_DOC, CNIL_DOC))
            for a in links.values()
        }
        wanted = {k: v for k, v in service.registry(corpus).items() if k in linked}
    with Corpus.open(fresh) as corpus:
        assert {k: v for k, v in service.registry(corpus).items() if k in linked} == wanted

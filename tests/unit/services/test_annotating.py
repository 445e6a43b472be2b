"""Snapping in the annotation session: each document's own language decides the tokens."""

from __future__ import annotations

from annotator.core.model import Document
from annotator.nlp.tokens import tokenizer_for
from annotator.services.annotating import AnnotationSession
from annotator.store.corpus import Corpus

TEXT = "The city's mayor spoke."


def opened(corpus: Corpus, meta: dict[str, str]) -> AnnotationSession:
    corpus.add_documents([Document("d", TEXT, meta)])
    session = AnnotationSession(corpus, "alice")
    session.open("d")
    return session


def test_an_english_document_snaps_city_in_citys_to_city(corpus: Corpus) -> None:
    session = opened(corpus, {"lang": "en"})

    assert session.language == "en"
    assert session.snap(4, 6) == (4, len("The city"))


def test_a_document_without_meta_lang_snaps_in_the_corpus_language(corpus: Corpus) -> None:
    session = opened(corpus, {})

    # French reads "city'" as an elision, the very token the English bug showed.
    assert session.language == corpus.scheme.language == "fr"
    assert session.snap(4, 6) == (4, len("The city'"))


def test_a_region_tag_counts_as_its_language(corpus: Corpus) -> None:
    assert opened(corpus, {"lang": "en-GB"}).language == "en"


def test_the_snapping_tokenizer_of_a_language_is_loaded_once_and_shared() -> None:
    first = tokenizer_for("en")

    assert tokenizer_for("en") is first
    assert [t.text for t in first("city's")] == ["city", "'s"]
    assert tokenizer_for("fr") is not first

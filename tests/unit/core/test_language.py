"""A document's language: meta.lang when it is a language code, else the corpus language."""

from __future__ import annotations

import pytest

from annotator.core.language import document_language, language_of, normalized
from annotator.core.model import Document


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("EN", "en"), ("en-GB", "en"), ("fr_FR", "fr"), (" de ", "de"), ("xx", "xx")],
)
def test_language_tags_give_their_primary_subtag(value: str, expected: str) -> None:
    assert normalized(value) == expected


@pytest.mark.parametrize("value", ["", "english", "1", None, 3, ["en"]])
def test_what_is_not_a_language_code_is_ignored(value: object) -> None:
    assert normalized(value) is None
    assert language_of({"lang": value}, "fr") == "fr"


def test_a_document_is_in_its_meta_lang_else_the_corpus_language() -> None:
    assert document_language(Document("a", "x", {"lang": "en"}), "fr") == "en"
    assert document_language(Document("b", "x", {}), "fr") == "fr"

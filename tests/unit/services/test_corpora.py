"""Creating corpora, scheme files, and the default corpus seeded on first use."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.core.errors import CorpusError, SchemeError
from annotator.core.model import Document
from annotator.services.corpora import (
    default_corpus_path,
    default_guidelines,
    default_scheme,
    init_corpus,
    load_scheme,
    open_default_corpus,
    seed_documents,
)
from annotator.store.corpus import Corpus

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO / "seeds"
#: The seed article every design document refers to (shared/seeds/000_60e23dfeb0eedd05.txt
#: in the steering repository), kept byte for byte as the first seed.
SEED_ARTICLE_SHA256 = "901ed25c63bd5c5849aa4e1dab3da8b3ecb1f45db590b7a7521d49ab3a6e7920"


def seed_index() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((SEEDS / "index.json").read_text("utf-8"))
    return entries


def test_the_default_corpus_is_created_in_annotator_home_with_every_seed_in_order(
    annotator_home: Path,
) -> None:
    with open_default_corpus() as corpus:
        assert corpus.path == annotator_home / "default.annotator"
        assert corpus.document_ids() == [entry["id"] for entry in seed_index()]
        assert corpus.scheme == default_scheme()
        first = next(corpus.documents())
        from annotator.services import near_copies

        assert near_copies.not_compared(corpus) == 0  # compared for wire copies, as imports are
        assert near_copies.clusters(corpus) == []  # the seven seeds are seven stories

    assert hashlib.sha256(first.text.encode("utf-8")).hexdigest() == SEED_ARTICLE_SHA256
    assert first.meta["lang"] == "fr"
    assert first.meta["title"].startswith("TikTok va stocker")
    assert sorted(p.name for p in annotator_home.iterdir()) == ["default.annotator"]


def test_every_seed_text_is_stored_byte_for_byte(annotator_home: Path) -> None:
    with open_default_corpus() as corpus:
        texts = {doc.id: doc.text for doc in corpus.documents()}

    for entry in seed_index():
        assert texts[entry["id"]].encode("utf-8") == (SEEDS / entry["file"]).read_bytes()


def test_the_default_corpus_is_seeded_once_and_keeps_the_users_work(annotator_home: Path) -> None:
    with open_default_corpus() as corpus:
        corpus.add_documents([Document("mine", "Mon article.")])

    with open_default_corpus() as again:
        assert again.document_count() == len(seed_index()) + 1


def test_a_first_run_interrupted_while_seeding_is_started_over(annotator_home: Path) -> None:
    annotator_home.mkdir(parents=True)
    (annotator_home / "default.annotator.creating").write_bytes(b"half a corpus")

    with open_default_corpus() as corpus:
        assert corpus.document_count() == len(seed_index())
    assert not (annotator_home / "default.annotator.creating").exists()
    assert default_corpus_path() == annotator_home / "default.annotator"


def test_seed_documents_follow_the_index(annotator_home: Path) -> None:
    docs = seed_documents()

    assert [d.id for d in docs] == [e["id"] for e in seed_index()]
    assert [d.meta["lang"] for d in docs] == [e["lang"] for e in seed_index()]


def test_init_uses_the_default_scheme_or_a_scheme_file_and_a_language(
    tmp_path: Path,
) -> None:
    custom = tmp_path / "scheme.json"
    custom.write_text(
        json.dumps({"language": "fr", "span_layers": [{"name": "topic", "labels": ["SPORT"]}]}),
        encoding="utf-8",
    )

    with init_corpus(tmp_path / "a.annotator") as plain:
        assert plain.scheme == default_scheme()
    with init_corpus(tmp_path / "b.annotator", custom, "en") as chosen:
        assert chosen.scheme.language == "en"
        assert [layer.name for layer in chosen.scheme.span_layers] == ["topic"]
    with Corpus.open(tmp_path / "b.annotator") as reopened:
        assert reopened.scheme.language == "en"


def test_init_refuses_to_overwrite_a_corpus(corpus_path: Path, corpus: Corpus) -> None:
    with pytest.raises(CorpusError, match="already exists"):
        init_corpus(corpus_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the scheme file"),
        (b"\xff\xfe{}", "the scheme file is not UTF-8"),
        (b'{\n  "language": "fr",\n  oops\n}', ", line 3: invalid JSON"),
        (b'{"span_layers": [{"name": "a b"}]}', ": span_layers[0]: 'name' must be a word"),
    ],
)
def test_a_bad_scheme_file_is_refused_naming_it(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "scheme.json"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(SchemeError) as caught:
        load_scheme(path)

    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_a_bad_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="--lang: 'language' must be a language code"):
        init_corpus(tmp_path / "c.annotator", language="Français")
    assert not (tmp_path / "c.annotator").exists()


def test_the_default_corpus_starts_with_the_default_guidelines_as_version_1() -> None:
    with open_default_corpus() as corpus:
        assert corpus.guidelines() == (1, default_guidelines())

    guide = default_guidelines()
    for subject in ("PER", "ORG", "LOC", "MISC", "claimant", "cue", "source", "Unattributed"):
        assert subject in guide
    for stance in ("FAVOR", "AGAINST", "NONE"):
        assert f"**{stance}**" in guide
    # Worked examples come from the seed articles.
    assert "seuls ses ingénieurs avaient pu avoir accès" in guide
    assert "seuls ses ingénieurs avaient pu avoir accès" in seed_documents()[0].text


def test_a_corpus_made_with_the_default_scheme_has_the_guidelines_and_one_from_a_file_none(
    tmp_path: Path,
) -> None:
    scheme_file = tmp_path / "scheme.json"
    scheme_file.write_text(json.dumps(default_scheme().to_dict()), "utf-8")

    with init_corpus(tmp_path / "default.annotator") as made:
        assert made.guidelines() == (1, default_guidelines())
    with init_corpus(tmp_path / "own.annotator", scheme_file) as own:
        assert own.guidelines() is None

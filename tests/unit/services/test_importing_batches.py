"""A file is imported batch after batch as it is read (memory flat in its size), and still
whole or not at all: an error in any batch rolls back the batches before it."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.services import importing
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.bad_inputs import BAD_FILES, alice_spans, changed, new_record
from tests.unit.corpus_samples import corpus_state, raw_record, sample_records, write_jsonl


@pytest.fixture
def filled(tmp_path: Path, corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> Corpus:
    """The sample documents in the corpus, and imports one document per batch."""
    import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    monkeypatch.setattr(importing, "BATCH_DOCUMENTS", 1)
    return corpus


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_line_in_a_later_batch_leaves_the_corpus_as_it_was(
    tmp_path: Path, corpus_path: Path, filled: Corpus, case: str
) -> None:
    content, line, reason = BAD_FILES[case]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)  # its first line is a good document: the first batch
    before = corpus_state(corpus_path)

    with pytest.raises(InputError) as caught:
        import_paths(filled, [bad])

    assert str(caught.value).startswith(f"{bad}, line {line}: ")
    assert reason in str(caught.value)
    assert corpus_state(corpus_path) == before


def test_an_id_repeated_batches_later_names_its_first_line(tmp_path: Path, filled: Corpus) -> None:
    records = [raw_record(f"r{n}") for n in range(4)] + [raw_record("r1")]
    path = write_jsonl(tmp_path / "twice.jsonl", records)

    with pytest.raises(
        InputError, match=r"line 5: document id 'r1' appears twice \(first at line 2\)"
    ):
        import_paths(filled, [path])


def test_extend_scheme_takes_what_the_last_batch_first_uses(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    first, last = new_record("n1"), changed(lambda r: alice_spans(r)[0].update(label="CITY"))
    first["annotations"][0]["doc_labels"] = {"genre": "news"}
    last["annotations"][0]["doc_labels"] = {"genre": ["news", "opinion"]}  # multi, later
    path = write_jsonl(tmp_path / "grows.jsonl", [first, raw_record("r1"), last])

    report = import_paths(filled, [path], extend_scheme=True)

    assert report.added_labels == {"entity": ["CITY"]}
    with Corpus.open(corpus_path) as reopened:
        genre = reopened.scheme.question("genre")
        assert genre is not None and genre.multi and genre.values == ("news", "opinion")
        assert reopened.annotation_set("new-2", "alice").doc_labels == {
            "genre": ["news", "opinion"]
        }


def test_importing_a_file_holds_one_batch_not_the_file(
    tmp_path: Path, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH_DOCUMENTS", 20)
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(600):
            record = new_record(f"d{n}")
            record["meta"] = {"filler": "x" * 10_000}  # ~14 kB a line: the file is ~8 MB
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    size = path.stat().st_size

    tracemalloc.start()
    try:
        import_paths(corpus, [path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert corpus.document_count() == 600
    assert peak < size / 4, f"peak {peak:,} bytes for a file of {size:,}"

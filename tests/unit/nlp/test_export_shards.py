"""A side of the spaCy export with more examples than one DocBin holds is a folder of
DocBins, written as the documents stream by (memory flat in corpus size), that spaCy's
corpus reader and ``annotator import`` read as they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.lang.fr import French
from spacy.tokens import DocBin
from spacy.training import Corpus as SpacyCorpus
from spacy.vocab import Vocab

from annotator.core.model import Document
from annotator.nlp import split
from annotator.nlp.export import SpacyExportOptions, export_docbins
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.services.progress import Cancelled
from annotator.store.corpus import Corpus
from tests.unit.nlp.spacy_samples import generated_documents

FILES = ["config.cfg", "dev.spacy", "report.json", "train.spacy"]


def owners(path: Path) -> list[str]:
    """The document ids of the examples of one side, file or folder, in reading order."""
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    return [
        doc.user_data["annotator"]["document"]["id"]
        for file in files
        for doc in DocBin().from_disk(file).get_docs(Vocab())
    ]


def export(corpus: Corpus, out: Path, per_file: int, **options: object) -> dict[str, object]:
    export_docbins(
        corpus.documents(),
        out,
        corpus.scheme,
        SpacyExportOptions(examples_per_file=per_file, **options),  # type: ignore[arg-type]
    )
    return dict(json.loads((out / "report.json").read_text(encoding="utf-8")))


@pytest.fixture
def eight(corpus: Corpus) -> Corpus:
    corpus.add_documents(generated_documents(8))
    return corpus


def test_a_side_over_the_limit_is_a_folder_of_docbins_holding_the_same_examples(
    eight: Corpus, tmp_path: Path
) -> None:
    whole = export(eight, tmp_path / "whole", per_file=1000)
    pieces = export(eight, tmp_path / "pieces", per_file=2)

    train = tmp_path / "pieces" / "train.spacy"
    assert train.is_dir() and (tmp_path / "whole" / "train.spacy").is_file()
    assert owners(train) == owners(tmp_path / "whole" / "train.spacy")
    assert owners(tmp_path / "pieces" / "dev.spacy") == owners(tmp_path / "whole" / "dev.spacy")
    count = len(owners(train))
    assert [p.name for p in sorted(train.iterdir())] == [
        f"part-{n:05d}.spacy" for n in range((count + 1) // 2)
    ]
    assert pieces["docbins"] == {"train": (count + 1) // 2, "dev": 1}
    assert whole["docbins"] == {"train": 1, "dev": 1}
    assert pieces["examples"] == whole["examples"]
    assert sorted(p.name for p in (tmp_path / "pieces").iterdir()) == FILES  # no staging left


def test_spacys_corpus_reader_reads_the_folder_as_one_corpus(eight: Corpus, tmp_path: Path) -> None:
    report = export(eight, tmp_path / "out", per_file=2)

    train = SpacyCorpus(tmp_path / "out" / "train.spacy")  # what --paths.train reads
    examples = list(train(French()))

    assert len(examples) == report["examples"]["train"]  # type: ignore[index]
    assert sum(len(e.reference.ents) for e in examples) > 0


def test_pieces_are_written_while_the_documents_stream_by(eight: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen_on_disk: list[int] = []

    def documents() -> Iterator[Document]:
        for document in eight.documents():
            yield document
            seen_on_disk.append(len(list(out.glob(".*/part-*.spacy"))))

    export_docbins(documents(), out, eight.scheme, SpacyExportOptions(examples_per_file=1))

    assert seen_on_disk[0] == 1 and seen_on_disk[-2] >= 6  # not held until the end


def test_the_split_moves_a_document_out_of_a_piece_when_dev_would_be_empty(
    eight: Corpus, tmp_path: Path
) -> None:
    ids = eight.document_ids()
    seed = next(s for s in range(1000) if not any(split.goes_to_dev(i, 0.01, s) for i in ids))

    export(eight, tmp_path / "out", per_file=3, dev_fraction=0.01, seed=seed)

    train, dev = owners(tmp_path / "out" / "train.spacy"), owners(tmp_path / "out" / "dev.spacy")
    assert len(dev) == 1 and dev[0] not in train
    assert sorted(train + dev) == sorted(ids)


def test_exporting_again_swaps_between_a_file_and_a_folder_leaving_nothing_stale(
    eight: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    export(eight, out, per_file=2)
    export(eight, out, per_file=1000)
    assert (out / "train.spacy").is_file()
    assert sorted(p.name for p in out.iterdir()) == FILES

    export(eight, out, per_file=2)
    assert (out / "train.spacy").is_dir()
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert sorted(owners(out / "train.spacy") + owners(out / "dev.spacy")) == sorted(
        eight.document_ids()
    )


def test_a_cancelled_export_leaves_the_folder_as_it_was_and_no_pieces(
    eight: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    export(eight, out, per_file=1000)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def cancel(done: int, total: int, what: str) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        export_docbins(
            eight.documents(), out, eight.scheme, SpacyExportOptions(examples_per_file=1), cancel
        )

    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_cancelled_first_export_leaves_no_folder(eight: Corpus, tmp_path: Path) -> None:
    def cancel(done: int, total: int, what: str) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        export_docbins(
            eight.documents(),
            tmp_path / "out",
            eight.scheme,
            SpacyExportOptions(examples_per_file=1),
            cancel,
        )

    assert not (tmp_path / "out").exists()


def test_an_export_in_pieces_imports_back_whole(eight: Corpus, tmp_path: Path) -> None:
    export(eight, tmp_path / "out", per_file=2)

    with init_corpus(tmp_path / "again.annotator") as again:
        import_paths(again, [tmp_path / "out"])
        back = {d.id: d.annotations for d in again.documents()}

    assert back == {d.id: d.annotations for d in eight.documents()}

"""A fuzz test of every importer (DESIGN §6, §11): each input, valid or damaged, is
either imported exactly (the corpus then holds exactly what the format's reader read)
or refused with an :class:`AnnotatorError` naming the file, the corpus left unchanged
(a full JSONL export compared) — never another exception, which would reach the user
as a traceback.

Inputs are written by each format's own writer from generated documents (random
Unicode text, spans, relations, attributes, answers), then damaged (see
``fuzz_inputs.py``); a file nobody damaged must import. The corpus receiving them
already holds documents, so that a partial import or a lost row would show.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationSet, Document
from annotator.formats import ReadOptions, reader
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.reliability.fuzz_inputs import CORRUPTIONS, damaged, valid, written
from tests.unit.corpus_samples import corpus_state, sample_records, write_jsonl
from tests.unit.formats.test_roundtrip_property import TEXTS, documents, tokenized_documents

#: The test's name for each input kind -> the format name given to the import.
FORMATS = {
    "jsonl": "jsonl",
    "text": "text",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "brat-folder": "brat",
    "brat-zip": "brat",
    "conll": "conll",
    "labelstudio": "labelstudio",
    "spacy": "spacy",
}
EXAMPLES = 30
Template = tuple[Path, dict[str, object]]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A corpus holding the sample documents, and its state; each example imports into
    a copy of it."""
    folder = tmp_path_factory.mktemp("template")
    with init_corpus(folder / "template.annotator") as corpus:
        import_paths(corpus, [write_jsonl(folder / "samples.jsonl", sample_records())])
    return folder / "template.annotator", corpus_state(folder / "template.annotator")


def comparable(aset: AnnotationSet) -> tuple[object, ...]:
    return (
        aset.annotator,
        aset.status,
        sorted(aset.spans, key=lambda s: (s.id, s.start, s.end)),
        sorted(aset.relations, key=lambda r: (r.head, r.child, r.label)),
        aset.doc_labels,
        aset.guideline_version,
    )


def read_all(format: str, path: Path, corpus: Corpus) -> list[Document] | AnnotatorError:
    """What the reader reads, or the user error it raises (any other error is a bug)."""
    options = ReadOptions(annotator="alice", scheme=corpus.scheme)
    try:
        return [record.document for record in reader(format).read(path, options)]
    except AnnotatorError as error:
        return error


def check_import(
    format: str, path: Path, corpus_path: Path, state_before: dict[str, object], must_import: bool
) -> str:
    """Import ``path`` into ``corpus_path`` (in ``state_before``); check that it went in
    exactly or was refused cleanly; say which."""
    with Corpus.open(corpus_path) as corpus:
        expected = read_all(format, path, corpus)
        try:
            import_paths(corpus, [path], format=format, annotator="alice")
        except AnnotatorError as error:
            assert str(path) in str(error), f"the message does not name the file: {error}"
            assert not must_import, f"a file as its writer wrote it was refused: {error}"
            refused = True
        else:
            assert not isinstance(expected, AnnotatorError), f"read refused it: {expected}"
            for doc in expected:
                stored = corpus.document(doc.id)
                assert (stored.text, stored.meta) == (doc.text, doc.meta)
                mine = {a.annotator: comparable(a) for a in doc.annotations}
                kept = {a.annotator: comparable(a) for a in stored.annotations}
                assert {name: kept.get(name) for name in mine} == mine
            refused = False
    if refused:
        assert corpus_state(corpus_path) == state_before
    return "refused" if refused else "imported"


def document_for(format: str, data: st.DataObject) -> Document:
    if format == "conll":
        return data.draw(tokenized_documents(), label="document")
    if format == "text":
        return Document("doc", data.draw(TEXTS.filter(str.strip), label="text"))
    doc = valid(data.draw(documents(), label="document"))
    version = st.one_of(st.none(), st.integers(1, 40))
    doc.annotations[0].guideline_version = data.draw(version, label="guideline version")
    if format == "spacy":  # the spaCy writer refuses a corpus with nothing to train on
        doc.annotations[0].doc_labels.setdefault("stance", "NONE")
    return doc


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(FORMATS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_input_is_imported_exactly_or_refused_cleanly(
    kind: str, data: st.DataObject, tmp_path: Path, template: Template
) -> None:
    original = written(kind, document_for(kind, data))
    corruption = data.draw(st.sampled_from(CORRUPTIONS), label="corruption")
    given_input = damaged(data, original, corruption)
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        where = Path(folder)
        corpus_path = where / "corpus.annotator"
        shutil.copyfile(template[0], corpus_path)
        path = given_input.write(where)

        check_import(FORMATS[kind], path, corpus_path, template[1], corruption == "none")

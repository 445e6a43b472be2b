"""brat standoff: real collections, every line type, zip archives (and hostile ones),
round trip and bad input."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.model import Document
from annotator.formats import WriteOptions, brat
from annotator.services.corpora import default_scheme
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import corpus_state
from tests.unit.formats.interchange_samples import (
    REAL,
    accepted,
    label_counts,
    open_corpus,
    read,
    relation_counts,
    relation_keys,
    sample_corpus,
    sample_corpus_path,
    span_keys,
    totals,
)

BRAT = REAL / "brat"
INTRO = "brat-tutorial-news-000-introduction"
RELATION = "brat-tutorial-news-060-relation_annotation"
MATERIALS = "materials-syntheses-101016jelectacta201504160"


def by_id(docs: list[Document]) -> dict[str, Document]:
    return {d.id: d for d in docs}


def pair(folder: Path, name: str, text: str, ann: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text, "utf-8")
    (folder / f"{name}.ann").write_text(ann, "utf-8")
    return folder / f"{name}.ann"


def test_the_real_collection_gives_every_span_and_relation() -> None:
    docs, warnings = read("brat", BRAT)

    assert totals(docs) == (3, 48, 40)
    assert [totals([d]) for d in docs] == [(1, 7, 6), (1, 10, 3), (1, 31, 31)]
    assert all(d.annotations[0].annotator == "brat" for d in docs)
    assert warnings == []


def test_events_become_relations_from_the_trigger_labelled_with_the_role() -> None:
    doc = by_id(read("brat", BRAT)[0])[INTRO]

    (aset,) = doc.annotations
    assert label_counts([doc]) == {
        "Organization": 2,
        "Person": 2,
        "Money": 1,
        "Transfer-money": 1,
        "GPE": 1,
    }
    roles = [(r.head, r.child, r.label) for r in aset.relations if r.head == "T3"]
    assert roles == [
        ("T3", "T1", "Giver-Arg"),
        ("T3", "T2", "Money-Arg"),
        ("T3", "T4", "Beneficiary-Arg"),  # T4 and T6 are defined after E1
        ("T3", "T6", "Recipient-Arg"),
    ]
    others = [(r.head, r.child, r.label) for r in aset.relations if r.head != "T3"]
    assert others == [("T6", "T7", "Origin"), ("T4", "T5", "Family")]


def test_attributes_notes_and_normalisations_become_span_attributes() -> None:
    doc = by_id(read("brat", BRAT)[0])[INTRO]

    attrs = {s.id: dict(s.attrs) for s in doc.annotations[0].spans if s.attrs}
    assert attrs == {
        "T2": {"AnnotatorNotes": "100000000 USD"},
        "T3": {"Confidence": "High"},  # A5 is on E1, whose trigger is T3
        "T4": {"Mention": "Name", "Individual": "true"},
        "T5": {
            "Mention": "Nominal",
            "Individual": "true",
            "norm.Reference": "Wikipedia:64488",
            "norm.Reference.text": "Carlos Salinas de Gortari",
        },
    }


def test_an_equivalence_links_its_members_in_a_chain() -> None:
    doc = by_id(read("brat", BRAT)[0])[RELATION]

    (aset,) = doc.annotations
    assert [(r.head, r.child, r.label) for r in aset.relations] == [
        ("T3", "T4", "Alias"),
        ("T4", "T5", "Alias"),
        ("T1", "T2", "Located"),
    ]
    assert label_counts([doc]) == {"Person": 8, "GPE": 2}


def test_relations_to_events_join_their_triggers_whatever_the_order_of_ids() -> None:
    doc = by_id(read("brat", BRAT)[0])[MATERIALS]

    (aset,) = doc.annotations
    assert label_counts([doc]) == {
        "Material": 15,
        "Brand": 6,
        "Operation": 5,
        "Material-Descriptor": 3,
        "Nonrecipe-Material": 1,
        "Synthesis-Apparatus": 1,
    }
    counts = relation_counts([doc])
    assert counts["Recipe_Precursor"] == 7 and counts["Solvent_Material"] == 1
    assert counts["Next_Operation"] == 4 and counts["Brand_Of"] == 9
    assert sum(counts.values()) == 8 + 23
    # R4 Next_Operation Arg1:E1 Arg2:E2: the triggers of E1 (T1) and E2 (T2)
    assert ("T1", "T2", "Next_Operation") in [(r.head, r.child, r.label) for r in aset.relations]
    attrs = {s.id: dict(s.attrs) for s in aset.spans if s.attrs}
    assert attrs == {"T1": {"Start_Recipe": "true"}, "T8": {"End_Recipe": "true"}}
    assert doc.text.endswith("MA, USA).")  # no final newline, kept as is


def test_the_real_collection_imports_whole_into_a_corpus(tmp_path: Path) -> None:
    with open_corpus(tmp_path / "c.annotator") as corpus:
        (item,) = import_paths(corpus, [BRAT], extend_scheme=True).files

    assert (item.format, item.documents, item.spans, item.relations) == ("brat", 3, 48, 40)


def test_a_single_ann_file_is_read_with_its_txt(tmp_path: Path) -> None:
    (doc,), _ = read("brat", BRAT / f"{INTRO}.ann")

    assert doc.id == INTRO and totals([doc]) == (1, 7, 6)


def test_a_zip_archive_reads_like_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "brat.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for file in sorted(BRAT.iterdir()):
            zipped.write(file, f"news/{file.name}")

    docs, _ = read("brat", archive)

    folder, _ = read("brat", BRAT)
    assert [d.id for d in docs] == [f"news/{d.id}" for d in folder]
    for zipped_doc, plain in zip(docs, folder, strict=True):
        assert zipped_doc.text == plain.text
        assert span_keys(zipped_doc.annotations[0]) == span_keys(plain.annotations[0])
        assert relation_keys(zipped_doc.annotations[0]) == relation_keys(plain.annotations[0])


def zip_with(path: Path, info: zipfile.ZipInfo, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("ok.txt", "Un texte.")
        zipped.writestr(info, data)
    return path


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


HOSTILE: dict[str, tuple[zipfile.ZipInfo, bytes, str]] = {
    "parent path": (zipfile.ZipInfo("../evil.ann"), b"", "leaves the archive's folder"),
    "absolute path": (zipfile.ZipInfo("/etc/evil.txt"), b"x", "leaves the archive's folder"),
    "drive letter": (zipfile.ZipInfo("C:/evil.txt"), b"x", "leaves the archive's folder"),
    "symbolic link": (symlink("link.txt"), b"/etc/passwd", "symbolic link"),
    "zip bomb": (zipfile.ZipInfo("bomb.txt"), b"\0" * (4 * 1024**2), "looks like a zip bomb"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_naming_the_member(tmp_path: Path, case: str) -> None:
    info, data, reason = HOSTILE[case]
    info.compress_type = zipfile.ZIP_DEFLATED
    archive = zip_with(tmp_path / "hostile.zip", info, data)

    with pytest.raises(InputError) as caught:
        read("brat", archive)

    assert str(caught.value).startswith(f"{archive}:")
    assert reason in str(caught.value)


def test_an_archive_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.formats import archives

    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1000)
    archive = zip_with(tmp_path / "big.zip", zipfile.ZipInfo("big.txt"), b"abc " * 400)

    with pytest.raises(InputError, match="over the limit"):
        read("brat", archive)


def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(InputError, match="not a readable zip archive"):
        read("brat", archive)


def test_fragments_separated_by_a_line_break_are_one_span(tmp_path: Path) -> None:
    ann = pair(tmp_path, "d", "Jean\nDupont parle.", "T1\tPER 0 4;5 11\tJean Dupont\n")

    (doc,), _ = read("brat", ann)

    (span,) = doc.annotations[0].spans
    assert (span.start, span.end) == (0, 11)


def test_a_txt_without_ann_is_a_document_without_annotations(tmp_path: Path) -> None:
    pair(tmp_path, "a", "Un texte.", "T1\tPER 0 2\tUn\n")
    (tmp_path / "b.txt").write_text("Un autre.", "utf-8")

    docs, warnings = read("brat", tmp_path)

    assert [(d.id, len(d.annotations)) for d in docs] == [("a", 1), ("b", 0)]
    assert warnings and "1 .txt files without .ann" in warnings[0]


BAD_ANN: dict[str, tuple[str, int, str]] = {
    "overlapping fragments": ("T1\tPER 0 4;2 6\tJean an D\n", 1, "fragments of '0 4;2 6' overlap"),
    "unknown line type": ("T1\tPER 0 4\tJean\nX1\tfoo\n", 2, "unknown annotation"),
    "undefined ID": ("T1\tPER 0 4\tJean\nR1\tKNOWS Arg1:T1 Arg2:T9\t\n", 2, "T9 is not defined"),
    "ID defined twice": ("T1\tPER 0 4\tJean\nT1\tPER 5 11\tDupont\n", 2, "defined twice"),
    "text that is not the .txt's": ("T1\tPER 0 4\tPaul\n", 1, "does not belong to this .txt"),
    "offsets past the end": ("T1\tPER 0 400\tJean\n", 1, "outside the .txt"),
    "malformed offsets": ("T1\tPER zero 4\tJean\n", 1, "expected TYPE START END"),
    "attribute without target": ("T1\tPER 0 4\tJean\nA1\tNeg\n", 2, "NAME ID or NAME ID VALUE"),
    "unknown label": ("T1\tCITY 0 4\tJean\n", 1, "label 'CITY' is not in layer 'entity'"),
}


@pytest.mark.parametrize("case", list(BAD_ANN))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    content, line, reason = BAD_ANN[case]
    pair(tmp_path / "in", "a-good", "Un bon texte.", "T1\tPER 0 2\tUn\n")
    bad = pair(tmp_path / "in", "b-bad", "Jean Dupont parle de Paris.", content)
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [tmp_path / "in"])

    message = str(caught.value)
    assert message.startswith(f"{bad}, line {line}: ")
    assert reason in message
    assert corpus_state(location) == before


def test_an_ann_without_its_txt_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lonely.ann").write_text("T1\tPER 0 4\tJean\n", "utf-8")

    with pytest.raises(InputError, match=r"no \.txt file with the same name"):
        read("brat", tmp_path)


@pytest.mark.parametrize("out_name", ["collection", "collection.zip"])
def test_round_trip_keeps_spans_relations_and_attributes(tmp_path: Path, out_name: str) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / out_name
        report = export(corpus, out, format="brat", source="alice")
        original = corpus.document("unicode-1").annotation_set("alice")
        assert original is not None

    assert report.left_out == {
        "documents' metadata": 1,
        "suggested spans (export them with --include-suggestions)": 1,
        "relations to suggested spans": 1,
        "document labels (brat has none)": 1,
    }
    docs, _ = read("brat", out, scheme=default_scheme(), annotator="alice")
    doc = by_id(docs)["unicode-1"]
    assert doc.text == corpus_text(tmp_path)
    expected = accepted(original)
    assert span_keys(doc.annotations[0]) == span_keys(expected)
    assert relation_keys(doc.annotations[0]) == relation_keys(expected)


def corpus_text(tmp_path: Path) -> str:
    with Corpus.open(tmp_path / "samples.annotator") as corpus:
        return corpus.document("unicode-1").text


def test_export_writes_an_annotation_conf_and_safe_file_names(tmp_path: Path) -> None:
    from annotator.core.model import AnnotationSet, Span

    spans = [
        Span("a", "entity", 0, 4, "PER", {"Individual": "true"}),
        Span("b", "claim", 0, 9, "CLAIM", {"stance": "FAVOR", "AnnotatorNotes": "à revoir"}),
    ]
    doc = Document("../dépêches/AFP: 1", "Jean dort.", {}, [AnnotationSet("x", spans=spans)])

    brat.write([doc], tmp_path / "out", WriteOptions())

    assert (tmp_path / "out" / "_.." / "dépêches" / "AFP__1.txt").read_text("utf-8") == doc.text
    ann = (tmp_path / "out" / "_.." / "dépêches" / "AFP__1.ann").read_text("utf-8")
    assert ann.splitlines() == [
        "T1\tPER 0 4\tJean",
        "T2\tCLAIM 0 9\tJean dort",
        "A1\tIndividual T1",
        "A2\tstance T2 FAVOR",
        "#1\tAnnotatorNotes T2\tà revoir",
    ]
    conf = (tmp_path / "out" / "annotation.conf").read_text("utf-8")
    assert "Individual\tArg:<ENTITY>" in conf and "stance\tArg:<ENTITY>, Value:FAVOR" in conf
    assert "AnnotatorNotes" not in conf


def test_export_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine", "utf-8")

    with pytest.raises(AnnotatorError, match="not an empty folder"):
        brat.write([], tmp_path / "full", WriteOptions())
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    shutil.rmtree(tmp_path / "full")


@pytest.mark.parametrize(
    ("ann", "line", "reason"),
    [
        ("T1\tPER 0 5\tMarie\nT2\tLOC 9 14\tParis\nT3\tPER 0 14\tMarie à Paris\n", 3, "overlap"),
        ("T1\tPER 0 5\tMarie\nT2\tCITY 9 14\tParis\n", 2, "label 'CITY' is not in layer"),
    ],
)
def test_span_errors_name_the_ann_line(tmp_path: Path, ann: str, line: int, reason: str) -> None:
    path = pair(tmp_path, "doc", "Marie à  Paris", ann)
    with (
        Corpus.create(tmp_path / "c.annotator", default_scheme()) as corpus,
        pytest.raises(InputError) as caught,
    ):
        import_paths(corpus, [path])

    assert str(caught.value).startswith(f"{tmp_path / 'doc.ann'}, line {line}: ")
    assert reason in str(caught.value)

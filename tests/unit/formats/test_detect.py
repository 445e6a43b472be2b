"""``--format auto``: which format each kind of file is taken for, what is said when none
fits, and what the command line prints about it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError
from annotator.formats import detect
from tests.unit.corpus_samples import sample_records, write_jsonl
from tests.unit.formats.interchange_samples import REAL

REAL_FILES = {
    "prodigy/explosion-projects_ner_tweets_demo.jsonl": "prodigy",
    "prodigy/explosion-projects_nel_emerson_annotated_text.jsonl": "prodigy",
    "prodigy/argrecsys_rel-manual_intra_oscar.jsonl": "prodigy",
    "doccano/doccano-transformer_labeling_text_label.jsonl": "doccano",
    "doccano/doccano-transformer_labeling_multiuser.jsonl": "doccano",
    "doccano/doccano_relation_extraction_example.jsonl": "doccano",
    "brat": "brat",
    "brat/brat-tutorial-news-000-introduction.ann": "brat",
    "conll2003/doccano-transformer_labeling_text_label.conll2003": "conll",
    "conll2003/dkpro-core_conll2003_en-orig.conll": "conll",
}


@pytest.mark.parametrize("name", list(REAL_FILES))
def test_real_files_are_detected_as_the_tool_that_wrote_them(name: str) -> None:
    assert detect(REAL / name) == REAL_FILES[name]


def test_native_jsonl_stays_jsonl_even_with_annotations(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "corpus.jsonl", sample_records())

    assert detect(path) == "jsonl"


def test_raw_documents_in_jsonl_are_jsonl(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "raw.jsonl", [{"id": "a", "text": "Un texte."}])

    assert detect(path) == "jsonl"


def test_a_prodigy_classification_task_with_a_label_is_prodigy(tmp_path: Path) -> None:
    task = {"text": "Bof.", "label": "NEGATIVE", "answer": "accept", "_input_hash": 1}
    path = write_jsonl(tmp_path / "textcat.jsonl", [task])

    assert detect(path) == "prodigy"


def test_a_label_studio_export_is_labelstudio(tmp_path: Path) -> None:
    path = tmp_path / "project-1.json"
    path.write_text(json.dumps([{"id": 1, "data": {"text": "Un texte."}, "annotations": []}]))

    assert detect(path) == "labelstudio"


def test_a_tagged_txt_file_is_conll_and_a_plain_one_is_text(tmp_path: Path) -> None:
    tagged = tmp_path / "eng.train.txt"
    tagged.write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n")
    plain = tmp_path / "article.txt"
    plain.write_text("Le ministre a parlé.\nIl a dit O.\n")

    assert (detect(tagged), detect(plain)) == ("conll", "text")


def test_folders_with_ann_files_are_brat_and_others_text(tmp_path: Path) -> None:
    (tmp_path / "brat").mkdir()
    (tmp_path / "brat" / "a.txt").write_text("Un texte.")
    (tmp_path / "brat" / "a.ann").write_text("")
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("Un texte.")

    assert (detect(tmp_path / "brat"), detect(tmp_path / "texts")) == ("brat", "text")


def test_a_zip_archive_is_brat(tmp_path: Path) -> None:
    assert detect(tmp_path / "collection.zip") == "brat"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "records.jsonl",
            '{"title": "x", "body": "y"}\n',
            "first JSON record has the keys body, title",
        ),
        ("table.csv", "id,text\n1,Bonjour\n", "suffix '.csv' is none of the known ones"),
        ("tasks.json", '{"items": []}', "first JSON record has the keys items"),
        ("empty.jsonl", "\n\n", "the file is empty"),
        ("latin1.dat", "caf\xe9 au lait, " * 3, "not UTF-8"),
    ],
)
def test_a_file_no_format_fits_gets_a_message_saying_why(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))

    with pytest.raises(AnnotatorError) as caught:
        detect(path)

    assert str(caught.value).startswith(f"{path}: cannot tell the format: ")
    assert reason in str(caught.value) and "name it with --format" in str(caught.value)


def test_an_empty_folder_gets_a_message_saying_why(tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match=r"holds no \.ann files"):
        detect(tmp_path)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_says_what_it_detected_warns_and_says_what_export_left_out(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c.annotator"
    answers = tmp_path / "answers.jsonl"
    span, other = {"start": 0, "end": 5, "label": "ORG"}, {"start": 10, "end": 16, "label": "ORG"}
    accepted = {
        "text": "Apple bat Google",
        "meta": {"source": "tweets"},
        "spans": [span, other],
        "relations": [{"head_span": span, "child_span": other, "label": "BEATS"}],
        "answer": "accept",
        "_annotator_id": "ana",
    }
    rejected = {"text": "Apple rate", "spans": [span], "answer": "reject", "_annotator_id": "ana"}
    write_jsonl(answers, [accepted, rejected])
    assert run("init", corpus).returncode == 0

    conll = REAL / "conll2003" / "dkpro-core_conll2003_en-orig.conll"
    imported = run("import", corpus, answers, conll, "--extend-scheme")
    exported = run("export", corpus, tmp_path / "out.conll", "--format", "conll", "--from", "ana")

    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.splitlines()
    assert (
        lines[0]
        == f"{answers} (prodigy, detected): 1 documents, 1 annotation sets, 2 spans, 1 relations"
    )
    assert "(conll, detected): 1 documents" in lines[1]
    assert (
        f"warning: {answers}: 1 tasks answered 'reject' were not imported (lines 2)"
        in imported.stderr
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"wrote {tmp_path / 'out.conll'}: 1 documents, 2 spans"
    assert exported.stderr.strip() == (
        "left out 2 items the conll format cannot express: "
        "1 documents' metadata; 1 relations (CoNLL has none)"
    )

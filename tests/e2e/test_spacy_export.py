"""``annotator export --format spacy`` and ``annotator import`` of .spacy files, as processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.model import Span
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from tests.conftest import FORMATS_REAL
from tests.e2e.cli import annotator
from tests.unit.nlp.spacy_samples import annotated_seeds

REPO = Path(__file__).resolve().parents[2]
REAL = FORMATS_REAL / "spacy-docbin" / "explosion-projects_ner_tweets_demo.spacy"


@pytest.fixture
def seeded(corpus_path: Path) -> Path:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds())
    return corpus_path


@pytest.fixture
def misaligned(corpus_path: Path) -> Path:
    """The French seeds, two of them with an entity ending inside the token "données"."""
    documents = annotated_seeds("fr")
    for document in documents:
        start = document.text.find("données")
        if start != -1:
            aset = document.annotations[0]
            aset.spans.append(Span("x", "entity", start, start + len("donn"), "ORG"))
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(documents)
    return corpus_path


def test_export_writes_the_training_folder(corpus_path: Path, tmp_path: Path) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds("fr"))
    out = tmp_path / "out"

    done = annotator(
        "export", corpus_path, out, "--format", "spacy", "--dev-fraction", "0.3", "--seed", "4"
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out}: ")
    assert "config.cfg trains ner, spancat_claim, spancat_cue, spancat_claim_stance" in done.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 4 and sum(report["examples"].values()) == 4
    assert (out / "train.spacy").stat().st_size > 0 and (out / "dev.spacy").stat().st_size > 0


def test_french_and_english_seeds_export_to_one_folder_per_language(
    seeded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    done = annotator("export", seeded, out, "--format", "spacy")

    assert done.returncode == 0, done.stderr
    assert f"wrote {out / 'en'}: " in done.stdout and f"wrote {out / 'fr'}: " in done.stdout
    for language, count in (("en", 3), ("fr", 4)):
        report = json.loads((out / language / "report.json").read_text(encoding="utf-8"))
        assert report["documents"] == count and report["language"] == language
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"] == 7

    # The whole export folder imports back: every language's train and dev files.
    again = tmp_path / "again.annotator"
    assert annotator("init", again).returncode == 0
    imported = annotator("import", again, out)
    assert imported.returncode == 0, imported.stderr
    with Corpus.open(again) as corpus, Corpus.open(seeded) as original:
        assert sorted(corpus.document_ids()) == sorted(original.document_ids())


def test_a_one_document_corpus_exports_with_dev_fraction_0(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds("fr")[:1])
    out = tmp_path / "out"

    done = annotator("export", corpus_path, out, "--format", "spacy", "--dev-fraction", "0")

    assert done.returncode == 0, done.stderr
    assert "1 example in train.spacy, 0 in dev.spacy" in done.stdout
    assert "dev.spacy is empty" in done.stdout and "nothing to train" not in done.stdout


def test_unfinished_sets_are_left_out_unless_include_unfinished(
    corpus_path: Path, tmp_path: Path
) -> None:
    documents = annotated_seeds("fr")
    documents[0].annotations[0].status = "in_progress"
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(documents)

    default = annotator("export", corpus_path, tmp_path / "a", "--format", "spacy")
    taken = annotator(
        "export", corpus_path, tmp_path / "b", "--format", "spacy", "--include-unfinished"
    )

    assert default.returncode == taken.returncode == 0, default.stderr + taken.stderr
    [skipped] = json.loads((tmp_path / "a" / "report.json").read_text())["skipped"]
    assert (skipped["document"], skipped["status"]) == (documents[0].id, "in_progress")
    assert "--include-unfinished (in the export dialog" in default.stdout
    assert json.loads((tmp_path / "b" / "report.json").read_text())["documents"] == 4


def test_contract_alignment_says_what_it_snapped_and_dropped(
    misaligned: Path, tmp_path: Path
) -> None:
    done = annotator(
        "export", misaligned, tmp_path / "out", "--format", "spacy", "--alignment", "contract"
    )

    assert done.returncode == 0, done.stderr
    assert "snapped 0, dropped 2 of 2 spans not on token boundaries" in done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [entry["text"] for entry in report["dropped"]] == ["donn", "donn"]


def test_strict_alignment_exits_1_saying_how_many_and_where(
    misaligned: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    done = annotator("export", misaligned, out, "--format", "spacy")

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("annotator: error: 2 spans not on spaCy 'fr' token boundaries")
    assert "document 'tiktok-oracle-donnees-americaines' (alice) entity/ORG" in done.stderr
    assert str(out / "report.json") in done.stderr and "for inspection" in done.stderr
    assert len(json.loads((out / "report.json").read_text(encoding="utf-8"))["misaligned"]) == 2


def test_expand_alignment_snaps_and_exits_0(misaligned: Path, tmp_path: Path) -> None:
    done = annotator(
        "export", misaligned, tmp_path / "out", "--format", "spacy", "--alignment", "expand"
    )

    assert done.returncode == 0, done.stderr
    assert "snapped 2, dropped 0 of 2 spans not on token boundaries" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "jsonl", "--seed", "3"),
        ("--format", "jsonl", "--alignment", "expand"),
        ("--format", "jsonl", "--include-unfinished"),
        ("--format", "spacy", "--alignment", "sloppy"),
    ],
)
def test_spacy_options_misused_are_bad_usage(
    seeded: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = annotator("export", seeded, tmp_path / "out", *args)

    assert done.returncode == 2, done.stderr
    assert not (tmp_path / "out").exists()


def test_importing_a_spacy_file_is_detected_by_its_suffix(corpus_path: Path) -> None:
    init_corpus(corpus_path).close()

    done = annotator("import", corpus_path, REAL, "--annotator", "tweets", "--extend-scheme")

    assert done.returncode == 0, done.stderr
    assert f"{REAL} (spacy" in done.stdout  # the format was detected from the suffix
    assert "scheme extended: layer entity gained PERSON" in done.stdout


def test_the_command_line_does_not_import_spacy_until_it_is_needed(tmp_path: Path) -> None:
    code = (
        "import sys, pathlib, annotator.cli\n"
        "from annotator.formats import detect\n"
        "import annotator.services.training\n"
        f"assert detect(pathlib.Path({str(REAL)!r})) == 'spacy'\n"
        "print('spacy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)

    assert done.stdout.strip() == "False", done.stderr

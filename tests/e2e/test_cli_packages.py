"""``annotator package``, ``assign`` and ``merge`` run as real processes: the lead hands
out packages, annotators work in them, the lead merges the work back (DESIGN §2, §7)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from annotator.core.edits import AddSpan
from annotator.core.model import Span
from annotator.services.corpora import init_corpus
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.e2e.cli import annotator
from tests.unit.corpus_samples import RAW_TEXT, TEXT, at, sample_records, write_jsonl


def assert_user_error(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("annotator: error: ")
    for part in expected:
        assert part in done.stderr


@pytest.fixture
def lead_corpus(tmp_path: Path, corpus_path: Path) -> Path:
    """The lead's corpus: three sample documents (alice already annotated one) and
    guidelines."""
    with init_corpus(corpus_path) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
        corpus.add_guidelines("# Guide\nMark every organisation.", author="lead")
    return corpus_path


def annotate(package: Path, annotator_name: str, doc_id: str, substring: str, text: str) -> None:
    """What the annotator does in the app: one entity span, committed at once."""
    start, end = at(substring, text)
    span = Span(f"{annotator_name}-{start}", "entity", start, end, "ORG", {}, "manual")
    with Corpus.open(package) as opened:
        opened.apply_edit(doc_id, annotator_name, AddSpan(span))


def exported(corpus_path: Path, out: Path) -> bytes:
    """The full JSONL export of the corpus (suggestions included), as bytes."""
    with Corpus.open(corpus_path) as corpus:
        export(corpus, out, format="jsonl", source="all", include_suggestions=True)
    return out.read_bytes()


def test_package_writes_a_package_once(tmp_path: Path, lead_corpus: Path) -> None:
    out = tmp_path / "alice.annotator"

    done = annotator("package", lead_corpus, "--annotator", "alice", "-o", out)
    again = annotator("package", lead_corpus, "--annotator", "alice", "-o", out)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"wrote {out}: alice, 3 documents (1 already started), guidelines v2"
    )
    with Corpus.open(out) as package:
        assert package.annotators() == ["alice"]
    assert_user_error(again, str(out), "already exists")


def test_package_lists_every_unknown_document(tmp_path: Path, lead_corpus: Path) -> None:
    out = tmp_path / "alice.annotator"

    done = annotator(
        "package", lead_corpus, "--annotator", "alice", "--docs", "raw-1,nope", "--docs",
        "missing", "-o", out,
    )  # fmt: skip

    assert_user_error(done, "no document with id 'nope', 'missing'")
    assert not out.exists()


def test_package_without_an_annotator_or_with_a_stray_seed_is_bad_usage(
    tmp_path: Path, lead_corpus: Path
) -> None:
    out = tmp_path / "x.annotator"

    nameless = annotator("package", lead_corpus, "-o", out)
    stray_seed = annotator("package", lead_corpus, "--annotator", "al", "--seed", "3", "-o", out)

    assert nameless.returncode == 2 and "--annotator" in nameless.stderr
    assert stray_seed.returncode == 2 and "--seed is for --sample" in stray_seed.stderr
    assert not out.exists()


def test_merge_brings_the_work_back_and_merging_again_changes_nothing(
    tmp_path: Path, lead_corpus: Path
) -> None:
    package = tmp_path / "alice.annotator"
    assert annotator("package", lead_corpus, "--annotator", "alice", "-o", package).returncode == 0
    annotate(package, "alice", "raw-1", "Deuxième", RAW_TEXT)

    merged = annotator("merge", lead_corpus, package)
    first = exported(lead_corpus, tmp_path / "first.jsonl")
    again = annotator("merge", lead_corpus, package)
    second = exported(lead_corpus, tmp_path / "second.jsonl")

    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.strip() == (
        f"{package} (alice): 1 changed, 2 unchanged; spans: 1 added, 0 removed, 0 modified"
    )
    assert again.returncode == 0, again.stderr
    assert f"{package} (alice): 0 changed, 3 unchanged" in again.stdout
    assert first == second
    with Corpus.open(lead_corpus) as corpus:
        (span,) = corpus.annotation_set("raw-1", "alice").spans
    assert (span.start, span.end) == at("Deuxième", RAW_TEXT)


def test_merge_refuses_a_package_whose_texts_differ(tmp_path: Path, lead_corpus: Path) -> None:
    package = tmp_path / "alice.annotator"
    assert annotator("package", lead_corpus, "--annotator", "alice", "-o", package).returncode == 0
    annotate(package, "alice", "raw-1", "Deuxième", RAW_TEXT)
    with sqlite3.connect(package) as raw:
        raw.execute("UPDATE documents SET text = text || '!' WHERE doc_id = 'gold-1'")
    raw.close()

    done = annotator("merge", lead_corpus, package)

    assert_user_error(done, str(package), "nothing merged", "differs", "'gold-1'")
    with Corpus.open(lead_corpus) as corpus:
        assert corpus.annotation_set("raw-1", "alice").spans == []


def test_merge_takes_a_package_of_another_corpus_with_the_same_documents(
    tmp_path: Path, lead_corpus: Path
) -> None:
    other = tmp_path / "other.annotator"
    with init_corpus(other) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "same.jsonl", sample_records())])
    package = tmp_path / "alice.annotator"
    assert annotator("package", other, "--annotator", "alice", "-o", package).returncode == 0

    done = annotator("merge", lead_corpus, package)

    assert done.returncode == 0, done.stderr
    assert "made from another corpus (package's corpus " in done.stdout
    assert "3 documents have the same ids and texts here" in done.stdout


def test_merge_refuses_a_doubtful_package_unless_forced(tmp_path: Path, lead_corpus: Path) -> None:
    package = tmp_path / "alice.annotator"
    assert annotator("package", lead_corpus, "--annotator", "alice", "-o", package).returncode == 0
    with sqlite3.connect(package) as raw:  # alice's package passed off as bob's
        raw.execute("UPDATE annotators SET name = 'bob' WHERE name = 'alice'")
        (value,) = raw.execute("SELECT value FROM settings WHERE key = 'package'").fetchone()
        raw.execute(
            "UPDATE settings SET value = ? WHERE key = 'package'",
            (value.replace('"alice"', '"bob"'),),
        )
    raw.close()

    refused = annotator("merge", lead_corpus, package)
    forced = annotator("merge", lead_corpus, package, "--force")

    assert_user_error(refused, "issued no package to 'bob'", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "(bob):" in forced.stdout


def test_assign_writes_the_same_packages_for_the_same_seed(
    tmp_path: Path, lead_corpus: Path
) -> None:
    def assign(folder: str) -> subprocess.CompletedProcess[str]:
        return annotator(
            "assign", lead_corpus, "--annotators", "alice,bob", "--overlap", "0.34",
            "--seed", "5", "-o", tmp_path / folder,
        )  # fmt: skip

    first, second = assign("first"), assign("second")

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == (
        "assigned 3 documents to 2 annotators; 1 shared (33%), each by 2"
    )
    assert first.stdout.replace("first", "second") == second.stdout
    for name in ("alice", "bob"):
        with (
            Corpus.open(tmp_path / "first" / f"corpus-{name}.annotator") as a,
            Corpus.open(tmp_path / "second" / f"corpus-{name}.annotator") as b,
        ):
            assert a.document_ids() == b.document_ids()


def test_assign_refuses_an_overlap_outside_zero_to_one(tmp_path: Path, lead_corpus: Path) -> None:
    done = annotator(
        "assign", lead_corpus, "--annotators", "alice,bob", "--overlap", "1.5", "-o", tmp_path
    )

    assert_user_error(done, "--overlap 1.5", "between 0 and 1")


def test_two_annotators_on_shared_documents_both_come_back(
    tmp_path: Path, lead_corpus: Path
) -> None:
    """The team workflow end to end, as agreement will then read it."""
    folder = tmp_path / "packages"
    assigned = annotator(
        "assign", lead_corpus, "--annotators", "carol,dave", "--overlap", "1", "-o", folder
    )
    assert assigned.returncode == 0, assigned.stderr
    carol, dave = folder / "corpus-carol.annotator", folder / "corpus-dave.annotator"
    annotate(carol, "carol", "unicode-1", "Paris", TEXT)
    annotate(dave, "dave", "unicode-1", "l’agence", TEXT)
    with Corpus.open(carol) as package:
        assert package.annotators() == ["carol"]  # blind: no alice, bob or gold

    merged = annotator("merge", lead_corpus, carol, dave)

    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.splitlines()[-1] == "total: 2 changed in 2 packages"
    with Corpus.open(lead_corpus) as corpus:
        doc = corpus.document("unicode-1")
    sets = {a.annotator: a for a in doc.annotations}
    assert set(sets) == {"alice", "bob", "carol", "dave"}
    assert [(s.start, s.end) for s in sets["carol"].spans] == [at("Paris")]
    assert [(s.start, s.end) for s in sets["dave"].spans] == [at("l’agence")]
    assert sets["carol"].guideline_version == sets["dave"].guideline_version == 2

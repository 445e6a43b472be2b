"""``annotator backup`` and ``annotator restore``, run as real processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import annotator
from tests.unit.corpus_samples import corpus_state, raw_record, sample_records, write_jsonl


@pytest.mark.slow
def test_backup_then_restore_by_number_and_undo(tmp_path: Path, corpus_path: Path) -> None:
    assert annotator("init", corpus_path).returncode == 0
    first = write_jsonl(tmp_path / "first.jsonl", sample_records())
    assert annotator("import", corpus_path, first).returncode == 0
    backed_up = corpus_state(corpus_path)

    made = annotator("backup", corpus_path, "--keep", "5")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"wrote {tmp_path}/backups/corpus.annotator/")
    later = write_jsonl(tmp_path / "later.jsonl", [raw_record("later-1")])
    assert annotator("import", corpus_path, later).returncode == 0

    restored = annotator("restore", corpus_path, "1")

    assert restored.returncode == 0, restored.stderr
    assert corpus_state(corpus_path) == backed_up
    assert "(restore it to undo)" in restored.stdout
    listed = annotator("restore", corpus_path, "--list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "before-restore" in lines[0] and "manual" in lines[1]
    undone = annotator("restore", corpus_path, "1")
    assert undone.returncode == 0, undone.stderr
    assert "later-1" in corpus_state(corpus_path)["export"]


def test_restore_without_a_backup_lists_them_and_is_a_usage_error(corpus_path: Path) -> None:
    assert annotator("init", corpus_path).returncode == 0

    done = annotator("restore", corpus_path)

    assert done.returncode == 2
    assert done.stdout.startswith(f"no backups of {corpus_path}")
    assert done.stderr == "annotator: error: name the backup to restore\n"


def test_a_server_corpus_is_refused_without_connecting() -> None:
    url = "postgresql://lead@db.invalid/corpus"
    for args in (("backup", url), ("restore", url, "1")):
        done = annotator(*args)

        assert done.returncode == 1
        assert done.stderr.startswith(f"annotator: error: {url}: backups and restores are for ")
        assert "pg_dump" in done.stderr and "Traceback" not in done.stderr

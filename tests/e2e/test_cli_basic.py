"""The ``annotator`` command line (DESIGN §7, a contract), run as a real process.

Exit 0 on success, 1 on a user or data error (message on stderr, no traceback), 2 on
bad usage.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from annotator.services.corpora import default_scheme, init_corpus
from annotator.services.importing import import_paths
from tests.e2e.cli import annotator
from tests.unit.bad_inputs import BAD_FILES, changed, new_record, set_first_span
from tests.unit.corpus_samples import (
    corpus_state,
    documents_by_id,
    jsonl_line,
    read_jsonl,
    sample_records,
    without_suggestions,
    write_jsonl,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "01-tiktok-oracle-donnees-americaines.fr.txt"


def assert_user_error(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("annotator: error: ")
    for part in expected:
        assert part in done.stderr


def test_init_creates_a_corpus_with_the_default_scheme(corpus_path: Path) -> None:
    done = annotator("init", corpus_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"created {corpus_path} (language fr; layers: entity, claim, cue")
    assert corpus_state(corpus_path)["scheme"]["language"] == "fr"


def test_init_takes_a_scheme_file_and_a_language(tmp_path: Path, corpus_path: Path) -> None:
    scheme = tmp_path / "scheme.json"
    scheme.write_text(
        json.dumps({"span_layers": [{"name": "topic", "labels": [{"name": "SPORT"}]}]}),
        encoding="utf-8",
    )

    done = annotator("init", corpus_path, "--scheme", scheme, "--lang", "en")

    assert done.returncode == 0, done.stderr
    assert "language en; layers: topic" in done.stdout
    assert corpus_state(corpus_path)["scheme"]["language"] == "en"


def test_init_with_a_bad_scheme_file_names_it_and_creates_nothing(
    tmp_path: Path, corpus_path: Path
) -> None:
    scheme = tmp_path / "broken-scheme.json"
    scheme.write_text('{"span_layers": [{"name": "entity", "overlap": "sometimes"}]}')

    done = annotator("init", corpus_path, "--scheme", scheme)

    assert_user_error(done, str(scheme), "'overlap' must be true or false")
    assert not corpus_path.exists()


def test_init_refuses_an_existing_corpus(corpus_path: Path) -> None:
    assert annotator("init", corpus_path).returncode == 0

    assert_user_error(annotator("init", corpus_path), str(corpus_path), "already exists")


def test_the_seed_article_imports_exports_and_counts(tmp_path: Path, corpus_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert annotator("init", corpus_path).returncode == 0

    imported = annotator("import", corpus_path, SEED)
    exported = annotator("export", corpus_path, out)
    stats = annotator("stats", corpus_path, "--json")

    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""  # no progress when stderr is not a terminal
    assert str(SEED) in imported.stdout and "(text" in imported.stdout
    assert ": 1 documents" in imported.stdout
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"wrote {out}: 1 documents, 0 spans"
    (record,) = read_jsonl(out)
    assert record["id"] == SEED.stem
    assert record["text"].encode("utf-8") == SEED.read_bytes()
    assert record["annotations"] == []
    figures = json.loads(stats.stdout)
    assert stats.returncode == 0 and stats.stderr == ""
    assert figures == {
        "corpus": str(corpus_path),
        "language": "fr",
        "target": "TikTok's handling of its users' data",
        "documents": 1,
        "characters": len(record["text"]),
        "unannotated": 1,
        "annotators": {},
        "layers": {layer["name"]: {} for layer in default_scheme().to_dict()["span_layers"]},
        "guidelines_version": 1,  # init with the default scheme stores its guidelines
        "models": [],  # no model trained from this corpus yet
        "near_copies": {  # the import compared its document: no copy of anything
            "threshold": 0.8,
            "clusters": 0,
            "clustered": 0,
            "copies": 0,
            "not_compared": 0,
        },
    }


def test_stats_without_json_is_a_readable_report(corpus_path: Path) -> None:
    assert annotator("init", corpus_path).returncode == 0
    assert annotator("import", corpus_path, SEED).returncode == 0

    done = annotator("stats", corpus_path)

    assert done.returncode == 0
    assert "documents   1 (3158 characters, 1 not annotated by anyone)" in done.stdout


def test_the_unicode_sample_round_trips_through_the_command_line(
    tmp_path: Path, corpus_path: Path
) -> None:
    source = write_jsonl(tmp_path / "samples.jsonl", sample_records())
    plain, full = tmp_path / "plain.jsonl", tmp_path / "full.jsonl"
    assert annotator("init", corpus_path).returncode == 0

    imported = annotator("import", corpus_path, source)
    assert annotator("export", corpus_path, plain).returncode == 0
    assert annotator("export", corpus_path, full, "--include-suggestions").returncode == 0

    assert imported.returncode == 0, imported.stderr
    assert "3 documents, 4 annotation sets, 13 spans, 4 relations" in imported.stdout
    assert read_jsonl(full) == sample_records()
    assert read_jsonl(plain) == [without_suggestions(r) for r in sample_records()]


def test_extend_scheme_accepts_an_unknown_label(tmp_path: Path, corpus_path: Path) -> None:
    path = write_jsonl(tmp_path / "city.jsonl", [changed(set_first_span(label="CITY"))])
    assert annotator("init", corpus_path).returncode == 0

    refused = annotator("import", corpus_path, path)
    accepted = annotator("import", corpus_path, path, "--extend-scheme")

    assert_user_error(refused, f"{path}, line 1: ", "label 'CITY'", "--extend-scheme")
    assert accepted.returncode == 0, accepted.stderr
    assert "scheme extended: layer entity gained CITY" in accepted.stdout
    labels = corpus_state(corpus_path)["scheme"]["span_layers"][0]["labels"]
    assert "CITY" in [label["name"] for label in labels]


@pytest.fixture
def filled(tmp_path: Path, corpus_path: Path) -> Path:
    with init_corpus(corpus_path) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    return corpus_path


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_exits_1_naming_file_and_line_and_leaves_the_corpus_unchanged(
    tmp_path: Path, filled: Path, case: str
) -> None:
    content, line, reason = BAD_FILES[case]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    before = corpus_state(filled)

    done = annotator("import", filled, bad)

    assert_user_error(done, f"{bad}, line {line}: ", reason)
    after = corpus_state(filled)
    assert after == before
    assert after["integrity"] == "ok"


def test_of_several_files_the_first_stays_imported_and_the_bad_second_is_absent(
    tmp_path: Path, corpus_path: Path
) -> None:
    first = write_jsonl(tmp_path / "first.jsonl", [new_record("a-1")])
    second = tmp_path / "second.jsonl"
    second.write_bytes(
        jsonl_line(new_record("b-1")) + jsonl_line(changed(set_first_span(start=40, end=3)))
    )
    assert annotator("init", corpus_path).returncode == 0

    done = annotator("import", corpus_path, first, second)

    assert_user_error(
        done,
        f"{second}, line 2: ",
        "start must be before end",
        f"imported before this error: {first} (1 documents)",
    )
    docs = documents_by_id(corpus_path)
    assert sorted(docs) == ["a-1"]
    assert len(docs["a-1"].annotations) == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("stats", "{tmp}/missing.annotator"), "no corpus here; create one with 'annotator init"),
        (("import", "{corpus}", "{tmp}/nope.jsonl"), "nope.jsonl: no such file or folder"),
        (("export", "{corpus}", "{tmp}/no/dir/out.jsonl"), "no such folder"),
        (("export", "{corpus}", "{tmp}/out.jsonl", "--from", "zoé"), "no annotator named 'zoé'"),
        (("export", "{corpus}", "{tmp}/out.xyz", "--format", "xyz"), "unknown format 'xyz'"),
        (("stats", "{tmp}/not-a-corpus.txt"), "not a corpus file"),
    ],
)
def test_user_errors_exit_1_with_a_message_and_no_traceback(
    tmp_path: Path, corpus_path: Path, args: tuple[str, ...], expected: str
) -> None:
    assert annotator("init", corpus_path).returncode == 0
    (tmp_path / "not-a-corpus.txt").write_text("just text, not SQLite")

    done = annotator(*(a.format(tmp=tmp_path, corpus=corpus_path) for a in args))

    assert_user_error(done, expected)


@pytest.mark.parametrize(
    "args",
    [
        ("import",),
        ("import", "{corpus}"),
        ("import", "{corpus}", "a.jsonl", "--no-such-option"),
        ("export", "{corpus}", "out.jsonl", "--format"),
        ("stats",),
        ("init", "{corpus}", "--scheme"),
    ],
)
def test_bad_usage_exits_2(corpus_path: Path, args: tuple[str, ...]) -> None:
    done = annotator(*(a.format(corpus=corpus_path) for a in args))

    assert done.returncode == 2, done.stderr
    assert "Error: " in done.stderr
    assert "Traceback" not in done.stderr
    assert not corpus_path.exists()


def test_the_window_options_are_not_taken_for_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """``annotator --annotator NAME`` and ``annotator CORPUS`` open the window."""
    import annotator.ui.app as window_app
    from annotator import cli

    opened: list[list[str]] = []
    monkeypatch.setattr(window_app, "main", lambda args: opened.append(list(args)) or 0)
    assert cli.main(["--annotator", "alice"]) == 0
    assert cli.main(["--annotator=alice", "c.annotator"]) == 0
    assert cli.main(["c.annotator"]) == 0
    assert cli.main([]) == 0
    assert opened == [
        ["--annotator", "alice"],
        ["--annotator=alice", "c.annotator"],
        ["c.annotator"],
        [],
    ]


def test_an_inception_file_imports_with_its_language_and_exports_to_a_folder(
    tmp_path: Path, corpus_path: Path
) -> None:
    from tests.conftest import FORMATS_REAL

    source = FORMATS_REAL / "webanno-tsv" / "inception_tsv3_example2.tsv"
    assert annotator("init", corpus_path).returncode == 0

    done = annotator("import", corpus_path, source, "--extend-scheme", "--lang", "en")
    out = annotator("export", corpus_path, tmp_path / "tsv", "--format", "webanno")

    assert done.returncode == 0, done.stderr
    assert "(webanno, detected): 1 documents, 1 annotation sets, 95 spans, 79 relations" in (
        done.stdout
    )
    assert "7 arcs from a span to itself (roots) were not imported" in done.stderr
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "tsv" / "inception_tsv3_example2.tsv").is_file()
    exported = annotator("export", corpus_path, tmp_path / "back.jsonl")
    line = json.loads((tmp_path / "back.jsonl").read_text("utf-8"))
    assert exported.returncode == 0 and line["meta"]["lang"] == "en"

"""Prodigy JSONL: real ``db-out`` files, answers, merging, round trip and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.core.errors import InputError
from annotator.formats import WriteOptions, prodigy
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

PRODIGY = REAL / "prodigy"
TWEETS = PRODIGY / "explosion-projects_ner_tweets_demo.jsonl"
EMERSON = PRODIGY / "explosion-projects_nel_emerson_annotated_text.jsonl"
REL_MANUAL = PRODIGY / "argrecsys_rel-manual_intra_oscar.jsonl"


def write_tasks(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks), "utf-8")
    return path


def test_ner_manual_output_gives_its_span_and_keeps_the_hashes_in_meta() -> None:
    (doc,), warnings = read("prodigy", TWEETS)

    (aset,) = doc.annotations
    (span,) = aset.spans
    assert (span.label, doc.text[span.start : span.end]) == ("PERSON", "Ed Sheeran")
    assert (span.start, span.end, span.layer) == (11, 21, "entity")
    assert (aset.annotator, aset.status) == ("prodigy", "done")
    assert doc.meta["_input_hash"] == 885944384 and doc.meta["_task_hash"] == -1665691389
    assert doc.meta["_view_id"] == "ner_manual" and "tokens" not in doc.meta
    assert warnings == []


def test_choice_answers_become_document_labels_of_one_question() -> None:
    docs, _ = read("prodigy", EMERSON, annotator="ana")

    assert totals(docs) == (30, 30, 0)
    assert label_counts(docs) == {"ORG": 27, "PERSON": 3}
    answers = [a.doc_labels for d in docs for a in d.annotations]
    assert [sorted(a) for a in answers] == [["choice"]] * 30
    counts: dict[str, int] = {}
    for labels in answers:
        counts[str(labels["choice"])] = counts.get(str(labels["choice"]), 0) + 1
    assert counts == {"Q312545": 10, "Q48226": 10, "Q215952": 10}
    assert {a.annotator for d in docs for a in d.annotations} == {"ana"}
    assert all(0 < d.meta["score"] <= 1 and "_session_id" not in d.meta for d in docs)


def test_rel_manual_output_gives_every_span_and_relation() -> None:
    docs, warnings = read("prodigy", REL_MANUAL)

    assert totals(docs) == (3, 19, 26)
    assert label_counts(docs) == {"PREMISE": 11, "LINKER": 4, "CLAIM": 3, "MAJOR_CLAIM": 1}
    assert relation_counts(docs) == {
        "SUPPORT": 10,
        "REASON": 4,
        "LINKS": 4,
        "EXPLANATION": 3,
        "EXEMPLIFICATION": 2,
        "PRECISION": 1,
        "OPPOSITION": 1,
        "ATTACK": 1,
    }
    assert [d.meta["info"] for d in docs] == ["title", "summary", "text"]
    assert {d.meta["proposal_id"] for d in docs} == {"19"}
    summary = docs[1].annotations[0]
    assert ("entity", "CLAIM", 142, 191) in [k[:4] for k in span_keys(summary)]
    assert (
        ("entity", "CLAIM", 142, 191),
        ("entity", "PREMISE", 0, 140),
        "REASON",
    ) in relation_keys(summary)
    assert warnings == []


def test_rel_manual_file_imports_whole_into_a_corpus(tmp_path: Path) -> None:
    with open_corpus(tmp_path / "c.annotator") as corpus:
        report = import_paths(corpus, [REL_MANUAL], extend_scheme=True)

        (item,) = report.files
        assert (item.format, item.documents, item.spans, item.relations) == ("prodigy", 3, 19, 26)
        assert {r.name for r in corpus.scheme.relations} >= {"SUPPORT", "ATTACK", "LINKS"}


def test_rejected_and_ignored_tasks_are_not_imported_and_a_warning_names_their_lines(
    tmp_path: Path,
) -> None:
    span = {"start": 0, "end": 5, "label": "ORG"}
    path = write_tasks(
        tmp_path / "answers.jsonl",
        [
            {"text": "Apple fait", "spans": [span], "answer": "accept", "_input_hash": 1},
            {"text": "Apple rate", "spans": [span], "answer": "reject", "_input_hash": 2},
            {
                "text": "Apple fait",
                "spans": [span],
                "answer": "reject",
                "_input_hash": 1,
                "_annotator_id": "bob",
            },
            {"text": "Apple dort", "spans": [span], "answer": "ignore", "_input_hash": 3},
        ],
    )

    docs, warnings = read("prodigy", path)

    assert [d.text for d in docs] == ["Apple fait"]
    assert [a.annotator for a in docs[0].annotations] == ["prodigy"]
    assert any("2 tasks answered 'reject' were not imported (lines 2, 3)" in w for w in warnings)
    assert any("1 tasks answered 'ignore' were not imported (lines 4)" in w for w in warnings)


def test_tasks_on_one_text_make_one_document_with_a_set_per_annotator(tmp_path: Path) -> None:
    text = "Apple et Google"
    path = write_tasks(
        tmp_path / "teach.jsonl",
        [
            {
                "text": text,
                "_input_hash": 7,
                "_annotator_id": "db-alice",
                "answer": "accept",
                "spans": [{"start": 0, "end": 5, "label": "ORG"}],
            },
            {
                "text": text,
                "_input_hash": 7,
                "_annotator_id": "db-alice",
                "answer": "accept",
                "spans": [{"start": 9, "end": 15, "label": "ORG"}],
            },
            {
                "text": text,
                "_input_hash": 7,
                "_session_id": "db-bob",
                "answer": "accept",
                "spans": [{"start": 0, "end": 5, "label": "ORG"}],
            },
            {
                "text": text,
                "_input_hash": 7,
                "_annotator_id": "db-alice",
                "answer": "accept",
                "spans": [{"start": 0, "end": 5, "label": "ORG"}],
            },
        ],
    )

    (doc,), _ = read("prodigy", path)

    alice, bob = doc.annotations
    assert (alice.annotator, bob.annotator) == ("db-alice", "db-bob")
    assert [(s.start, s.end) for s in alice.spans] == [(0, 5), (9, 15)]
    assert [(s.start, s.end) for s in bob.spans] == [(0, 5)]


def test_token_offsets_stand_in_for_missing_character_offsets(tmp_path: Path) -> None:
    tokens = [
        {"text": "Le", "start": 0, "end": 2, "id": 0},
        {"text": "Monde", "start": 3, "end": 8, "id": 1},
        {"text": "cite", "start": 9, "end": 13, "id": 2},
        {"text": "Paris", "start": 14, "end": 19, "id": 3},
    ]
    task = {
        "text": "Le Monde cite Paris",
        "tokens": tokens,
        "spans": [
            {"token_start": 0, "token_end": 1, "label": "ORG"},
            {"token_start": 3, "token_end": 3, "label": "LOC"},
        ],
        "relations": [{"head": 1, "child": 3, "label": "CITES"}],
        "answer": "accept",
    }

    (doc,), _ = read("prodigy", write_tasks(tmp_path / "t.jsonl", [task]))

    (aset,) = doc.annotations
    assert span_keys(aset, with_attrs=False) == [
        ("entity", "LOC", 14, 19),
        ("entity", "ORG", 0, 8),
    ]
    assert relation_keys(aset) == [(("entity", "ORG", 0, 8), ("entity", "LOC", 14, 19), "CITES")]


def test_a_relation_between_tokens_that_are_no_spans_is_left_out_with_a_warning(
    tmp_path: Path,
) -> None:
    task = {
        "text": "Paris et Lyon",
        "spans": [{"start": 0, "end": 5, "label": "LOC"}],
        "relations": [
            {
                "head_span": {"start": 0, "end": 5, "label": "LOC"},
                "child_span": {"start": 9, "end": 13, "label": None},
                "label": "NEAR",
            },
        ],
        "answer": "accept",
    }

    (doc,), warnings = read("prodigy", write_tasks(tmp_path / "t.jsonl", [task]))

    assert doc.annotations[0].relations == []
    assert warnings and "line 1, task, relations[0]: not imported" in warnings[0]


def test_round_trip_keeps_spans_layers_relations_answers_and_the_input_hash(
    tmp_path: Path,
) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / "alice.jsonl"
        report = export(corpus, out, format="prodigy", source="alice")
        original = corpus.document("unicode-1").annotation_set("alice")
        assert original is not None

    assert report.left_out == {
        "suggested spans (export them with --include-suggestions)": 1,
        "relations to suggested spans": 1,
        "spans' attributes (Prodigy has none)": 2,
    }
    task = json.loads(out.read_text("utf-8").splitlines()[0])
    assert task["answer"] == "accept" and task["_annotator_id"] == "alice"
    assert task["accept"] == ["AGAINST"]
    assert [o["id"] for o in task["options"]] == ["FAVOR", "AGAINST", "NONE"]
    assert all(t["text"] == task["text"][t["start"] : t["end"]] for t in task["tokens"])

    with Corpus.create(tmp_path / "back.annotator", default_scheme()) as back:
        import_paths(back, [out], format="prodigy")
        (doc,) = list(back.documents())
    (aset,) = doc.annotations
    expected = accepted(original)
    assert span_keys(aset, with_attrs=False) == span_keys(expected, with_attrs=False)
    assert relation_keys(aset) == relation_keys(expected)
    assert aset.doc_labels == {"stance": "AGAINST"}
    assert doc.id == "unicode-1" and doc.meta["source"] == "AFP"


def test_the_input_hash_kept_in_meta_is_written_back(tmp_path: Path) -> None:
    docs, _ = read("prodigy", TWEETS)

    prodigy.write(docs, tmp_path / "out.jsonl", WriteOptions())

    task = json.loads((tmp_path / "out.jsonl").read_text("utf-8"))
    assert task["_input_hash"] == 885944384 and "_task_hash" not in task
    (span,) = task["spans"]
    assert (span["start"], span["end"], span["label"]) == (11, 21, "PERSON")
    tokens = task["tokens"]
    assert tokens[span["token_start"]]["start"] == 11 and tokens[span["token_end"]]["end"] == 21
    assert [t["text"] for t in tokens[span["token_start"] : span["token_end"] + 1]] == [
        "Ed",
        "Sheeran",
    ]


GOOD = {"text": "Apple fait", "spans": [{"start": 0, "end": 5, "label": "ORG"}], "answer": "accept"}

#: Case -> (second line of the file, what the error must say).
BAD_TASKS: dict[str, tuple[str, str]] = {
    "truncated JSON": (json.dumps(GOOD)[:-10], "invalid or truncated JSON"),
    "not an object": ("[1, 2]", "task: must be a JSON object"),
    "no text": (json.dumps({"spans": []}), "'text' must be the document text"),
    "unknown answer": (json.dumps({**GOOD, "answer": "maybe"}), "'answer' must be accept"),
    "offsets out of the text": (
        json.dumps({**GOOD, "spans": [{"start": 6, "end": 60, "label": "ORG"}]}),
        "offsets 6-60 are not a non-empty part of the text",
    ),
    "span text that does not match": (
        json.dumps({**GOOD, "spans": [{"start": 0, "end": 5, "text": "Pear", "label": "ORG"}]}),
        "the span's text 'Pear' is not the text at 0-5",
    ),
    "span without label": (
        json.dumps({**GOOD, "spans": [{"start": 0, "end": 5}]}),
        "spans[0]: a span needs a 'label'",
    ),
    "span in a label the scheme lacks": (
        json.dumps(
            {**GOOD, "text": "Apple dort", "spans": [{"start": 0, "end": 5, "label": "FRUIT"}]}
        ),
        "label 'FRUIT' is not in layer 'entity'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TASKS))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    line, reason = BAD_TASKS[case]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**GOOD, "text": "Un bon texte"}) + "\n" + line + "\n", "utf-8")
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [bad], format="prodigy")

    assert str(caught.value).startswith(f"{bad}, line 2: ")
    assert reason in str(caught.value)
    assert corpus_state(location) == before


def test_binary_textcat_answers_become_yes_no_answers_and_ignored_tasks_are_not_annotations(
    tmp_path: Path,
) -> None:
    # textcat.teach output: one label per task, an answer, no spans.
    path = write_tasks(
        tmp_path / "textcat.jsonl",
        [
            {"text": "Quel scandale !", "label": "INSULT", "answer": "accept", "_task_hash": 1},
            {"text": "Quel scandale !", "label": "SPORT", "answer": "reject", "_task_hash": 2},
            {"text": "Le match est fini.", "label": "SPORT", "answer": "accept", "_task_hash": 3},
            {"text": "Le match est fini.", "label": "INSULT", "answer": "ignore", "_task_hash": 4},
            {"text": "Rien.", "label": "SPORT", "answer": "ignore", "_task_hash": 5},
        ],
    )

    docs, warnings = read("prodigy", path)

    assert [d.text for d in docs] == ["Quel scandale !", "Le match est fini."]
    assert [a.doc_labels for d in docs for a in d.annotations] == [
        {"INSULT": "yes", "SPORT": "no"},
        {"SPORT": "yes"},
    ]
    assert all("label" not in d.meta for d in docs)
    assert any("2 tasks answered 'ignore' were not imported (lines 4, 5)" in w for w in warnings)


def test_binary_answers_import_with_extend_scheme_and_come_back_out_as_binary_tasks(
    tmp_path: Path,
) -> None:
    path = write_tasks(
        tmp_path / "textcat.jsonl",
        [
            {"text": "Quel scandale !", "label": "INSULT", "answer": "accept"},
            {"text": "Quel scandale !", "label": "SPORT", "answer": "reject"},
        ],
    )
    with open_corpus(tmp_path / "c.annotator") as corpus:
        import_paths(corpus, [path], extend_scheme=True)
        insult = corpus.scheme.question("INSULT")
        assert insult is not None and insult.values == ("yes", "no")
        export(corpus, tmp_path / "out.jsonl", format="prodigy")

    written = [
        json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()
    ]
    binary = [(t["label"], t["answer"]) for t in written if "label" in t]
    assert sorted(binary) == [("INSULT", "accept"), ("SPORT", "reject")]
    (doc,), _ = read("prodigy", tmp_path / "out.jsonl")
    assert doc.annotations[0].doc_labels == {"INSULT": "yes", "SPORT": "no"}


def test_a_repeated_task_counts_once_with_a_warning_naming_its_line(tmp_path: Path) -> None:
    span = {"start": 0, "end": 5, "label": "ORG"}
    task = {"text": "Apple fait", "spans": [span], "answer": "accept", "_annotator_id": "ana"}
    path = write_tasks(tmp_path / "twice.jsonl", [task, {**task, "_annotator_id": "bob"}, task])

    (doc,), warnings = read("prodigy", path)

    assert [len(a.spans) for a in doc.annotations] == [1, 1]
    assert any("1 tasks repeat an earlier task" in w and "(lines 3)" in w for w in warnings)


@pytest.mark.parametrize("hashes", [{}, {"_input_hash": 5, "_task_hash": 11}])
def test_a_binary_label_answered_both_ways_keeps_the_later_answer_and_says_so(
    tmp_path: Path, hashes: dict[str, int]
) -> None:
    # Prodigy writes the same _task_hash for both answers: the hash leaves the answer out.
    path = write_tasks(
        tmp_path / "changed.jsonl",
        [
            {"text": "Quel scandale !", "label": "INSULT", "answer": "accept", **hashes},
            {"text": "Quel scandale !", "label": "INSULT", "answer": "reject", **hashes},
        ],
    )

    (doc,), warnings = read("prodigy", path)

    assert doc.annotations[0].doc_labels == {"INSULT": "no"}
    assert any("change an earlier answer" in w and "(lines 2)" in w for w in warnings)


def test_a_relation_repeated_in_one_task_is_reported(tmp_path: Path) -> None:
    spans = [{"start": 0, "end": 5, "label": "ORG"}, {"start": 11, "end": 16, "label": "LOC"}]
    relation = {"head_span": spans[0], "child_span": spans[1], "label": "IN", "head": 0, "child": 2}
    path = write_tasks(
        tmp_path / "rel.jsonl",
        [
            {
                "text": "Apple dans Paris",
                "spans": spans,
                "relations": [relation, relation],
                "answer": "accept",
            }
        ],
    )

    (doc,), warnings = read("prodigy", path)

    assert len(doc.annotations[0].relations) == 1
    assert any("relations[1]: repeats an earlier IN relation" in w for w in warnings)


def test_rel_manual_relations_across_layers_import_into_the_default_scheme(
    tmp_path: Path,
) -> None:
    # REASON joins a PREMISE (entity layer once extended) and a CLAIM (the claim layer).
    with Corpus.create(tmp_path / "c.annotator", default_scheme()) as corpus:
        report = import_paths(corpus, [REL_MANUAL], extend_scheme=True)

        assert report.files[0].relations == 26
        reason = corpus.scheme.relation("REASON")
        assert reason is not None and set(reason.head) >= {"claim", "entity"}

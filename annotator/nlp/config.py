"""The ``config.cfg`` written next to the DocBins, ready for ``python -m spacy train``.

It starts from what ``spacy init config`` gives for the corpus language (CPU, efficiency)
and the components the training data can feed:

- ``ner`` when the training examples have entities;
- one ``spancat_<key>`` per span group with spans in training (every span layer but the
  entity layer, and ``claim_stance``), reading ``spans_key = <key>``, with an n-gram
  *range* suggester from 1 to the longest span of that group in tokens: the default
  sizes [1, 2, 3] would never propose a claim;
- for the questions: ``textcat`` (exclusive classes) when a single one-answer question
  with at least two values is answered in every example, else ``textcat_multilabel``
  over all the ``question:value`` cats. One exclusive ``textcat`` per question cannot
  work: spaCy's exclusive ``textcat`` checks that *all* of a doc's cats hold at most one
  1.0, whichever labels it predicts.

Also: ``max_length = 0`` in both corpus readers (the default would drop long articles
silently), ``nlp.batch_size = 64`` (articles are long; 1000 of them at once in
evaluation is a lot of memory), and score weights shared equally by the components.
Claimants (``doc.spans["claimant"]``) get no component: they are entities already.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Final

from annotator.core.scheme import Scheme
from annotator.nlp.examples import CLAIMANT_GROUP

BATCH_SIZE: Final = 64


@dataclass(slots=True)
class TrainingPlan:
    """What the exported examples hold, gathered while they are built.

    ``observe`` every example with its document id; :meth:`components` then decides from
    the documents that ended in training (after the split is final).
    """

    scheme: Scheme
    entity_layer: str | None
    ner_docs: set[str] = field(default_factory=set)
    span_docs: dict[str, set[str]] = field(default_factory=dict)
    span_tokens: dict[str, int] = field(default_factory=dict)
    cat_docs: dict[str, set[str]] = field(default_factory=dict)
    examples: int = 0
    answered: dict[str, int] = field(default_factory=dict)

    def observe(self, doc: Any, doc_id: str) -> None:
        self.examples += 1
        if doc.to_array("ENT_TYPE").any():  # cheaper than building doc.ents
            self.ner_docs.add(doc_id)
        for key, group in doc.spans.items():
            if key in (self.entity_layer, CLAIMANT_GROUP) or not len(group):
                continue
            self.span_docs.setdefault(key, set()).add(doc_id)
            longest = max(len(span) for span in group)
            self.span_tokens[key] = max(self.span_tokens.get(key, 0), longest)
        questions = {name.split(":", 1)[0] for name in doc.cats}
        for question in questions:
            self.cat_docs.setdefault(question, set()).add(doc_id)
            self.answered[question] = self.answered.get(question, 0) + 1

    def components(self, train_ids: set[str]) -> tuple[bool, dict[str, int], str | None]:
        """``(ner, {spans_key: longest}, textcat factory or None)`` for these train docs."""
        ner = bool(self.ner_docs & train_ids)
        order = [layer.name for layer in self.scheme.span_layers]
        keys = sorted(
            self.span_docs, key=lambda k: (order.index(k) if k in order else len(order), k)
        )
        spans = {key: self.span_tokens[key] for key in keys if self.span_docs[key] & train_ids}
        questions = [q for q, docs in self.cat_docs.items() if docs & train_ids]
        if not questions:
            return ner, spans, None
        only = self.scheme.question(questions[0]) if len(questions) == 1 else None
        exclusive = (
            only is not None
            and not only.multi
            and len(only.values) >= 2
            and self.answered.get(only.name) == self.examples
        )
        return ner, spans, "textcat" if exclusive else "textcat_multilabel"

    def untrained(self, train_ids: set[str]) -> list[str]:
        """What has examples only outside ``train_ids`` (so no component learns it): the
        entity layer, span groups, and ``question:NAME`` for questions."""
        missing = []
        if self.ner_docs and not self.ner_docs & train_ids:
            missing.append(self.entity_layer or "entities")
        missing += [key for key, docs in self.span_docs.items() if not docs & train_ids]
        missing += [
            f"question:{name}" for name, docs in self.cat_docs.items() if not docs & train_ids
        ]
        return missing


def component_name(spans_key: str) -> str:
    """A config-safe component name (a layer may be called ``my.layer``)."""
    return "spancat_" + re.sub(r"[^A-Za-z0-9_]", "_", spans_key)


def training_config(
    language: str, ner: bool, spans: dict[str, int], textcat: str | None
) -> tuple[Any, list[str]]:
    """The filled spaCy config and the names of its trainable components.

    Raises:
        ValueError: no component has data (the caller says so to the user).
    """
    from spacy import util
    from spacy.cli.init_config import init_config

    pipes = (
        (["ner"] if ner else []) + (["spancat"] if spans else []) + ([textcat] if textcat else [])
    )
    if not pipes:
        raise ValueError("no component has training data")
    config = init_config(lang=language, pipeline=pipes, optimize="efficiency", gpu=False)
    components = config["components"]
    pipeline = [name for name in config["nlp"]["pipeline"] if name != "spancat"]
    weights: dict[str, float] = {}
    if ner:
        weights["ents_f"] = 1.0
    if spans:
        template = components.pop("spancat")
        for key, longest in spans.items():
            block = copy.deepcopy(template)
            block["spans_key"] = key
            block["suggester"] = {
                "@misc": "spacy.ngram_range_suggester.v1",
                "min_size": 1,
                "max_size": max(1, longest),
            }
            components[component_name(key)] = block
            pipeline.append(component_name(key))
            weights[f"spans_{key}_f"] = 1.0
    if textcat:
        pipeline.remove(textcat)
        pipeline.append(textcat)
        weights["cats_score"] = 1.0
    config["nlp"]["pipeline"] = pipeline
    config["nlp"]["batch_size"] = BATCH_SIZE
    for corpus in ("train", "dev"):
        config["corpora"][corpus]["max_length"] = 0
    share = round(1.0 / len(weights), 2)
    config["training"]["score_weights"] = {
        **{name: None for name in config["training"]["score_weights"]},
        **{name: share for name in weights},
    }
    nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
    trainable = [name for name in pipeline if name != "tok2vec"]
    return nlp.config, trainable

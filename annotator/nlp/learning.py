"""Training a spaCy pipeline in-process, with spaCy's own training loop.

The config comes from the export's ``config.cfg`` (``spacy init config``, CPU,
efficiency) narrowed to the components asked for. When it trains ``ner`` it also trains
``spancat_<entity layer>`` over the same entities: ``ner`` gives no score per entity,
the span categorizer gives a probability per candidate span and label, which is what
uncertainty sampling needs (:mod:`annotator.nlp.scoring`).

The loop is :func:`spacy.training.loop.train_while_improving` (what ``spacy train``
runs), driven here so that every step reports its losses, every evaluation its dev
scores, and the caller can stop it: ``on_step`` raising leaves ``out`` without a new
model (the models are written under a temporary folder and moved at the end).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from annotator.nlp.config import component_name

MODEL_BEST: Final = "model-best"
MODEL_LAST: Final = "model-last"
COMPONENT_KINDS: Final = ("ner", "spancat", "textcat")


@dataclass(frozen=True, slots=True)
class TrainingStep:
    """One optimizer step; ``scores`` is set on the steps that evaluated on dev."""

    step: int
    max_steps: int
    epoch: int
    losses: dict[str, float]
    score: float | None = None
    scores: dict[str, dict[str, Any]] | None = None


@dataclass(slots=True)
class TrainingResult:
    """What a training run gave.

    Attributes:
        scores: dev scores of the best evaluation, per component:
            ``{"ner": {"f": 0.8, "p": .., "r": .., "labels": {"PER": 0.9}}}``.
        curve: ``(step, {component: f})`` at every evaluation.
    """

    model_best: Path
    model_last: Path
    steps: int
    seconds: float
    score: float
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    curve: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


def learner_config(
    config: Any,
    *,
    train_path: Path,
    dev_path: Path,
    components: tuple[str, ...] = COMPONENT_KINDS,
    max_steps: int = 2000,
    eval_frequency: int | None = None,
    entity_key: str | None = None,
    entity_tokens: int = 0,
    base: str = "blank",
    seed: int = 0,
) -> Any:
    """The export's config narrowed and made ready to train.

    Args:
        config: the filled config the export wrote (``thinc.api.Config``).
        components: the kinds to train (``ner``, ``spancat``, ``textcat``).
        entity_key: the span group of the entity layer; with ``ner`` it gets a
            ``spancat`` of its own, the entities' scorer.
        entity_tokens: the longest entity in tokens (the scorer's n-gram range).
        base: ``blank``, or a pipeline whose ``tok2vec`` and ``ner`` are fine-tuned.

    Raises:
        ValueError: an unknown kind, or no component left to train.
    """
    from thinc.api import Config

    unknown = set(components) - set(COMPONENT_KINDS)
    if unknown:
        raise ValueError(
            f"unknown components {', '.join(sorted(unknown))}; use {', '.join(COMPONENT_KINDS)}"
        )
    config = Config(config).copy()
    blocks = config["components"]
    pipeline = list(config["nlp"]["pipeline"])
    scorer = component_name(entity_key) if entity_key else None
    if "ner" in pipeline and "ner" in components and entity_key and entity_tokens:
        template = next((b for n, b in blocks.items() if n.startswith("spancat_")), None)
        if template is None:
            template = _spancat_template(str(config["nlp"]["lang"]))
        block = Config(template).copy()
        block["spans_key"] = entity_key
        block["suggester"] = {
            "@misc": "spacy.ngram_range_suggester.v1",
            "min_size": 1,
            "max_size": max(1, entity_tokens),
        }
        assert scorer is not None
        blocks[scorer] = block
        pipeline.insert(pipeline.index("ner") + 1, scorer)
    kept = [
        n
        for n in pipeline
        if n == "tok2vec" or _kind(n) in components or (n == scorer and "ner" in components)
    ]
    if not [n for n in kept if n != "tok2vec"]:
        raise ValueError("no component left to train (nothing annotated for those asked)")
    for name in list(blocks):
        if name not in kept:
            del blocks[name]
    config["nlp"]["pipeline"] = kept
    if base != "blank":
        _source_from(base, blocks, kept)
    weights = {k: v for k, v in config["training"]["score_weights"].items() if v}
    weights = {k: v for k, v in weights.items() if _weight_component(k, kept)}
    for name in kept:
        if name.startswith("spancat_"):
            weights.setdefault(f"spans_{blocks[name]['spans_key']}_f", 1.0)
    share = round(1.0 / max(1, len(weights)), 2)
    config["training"]["score_weights"] = {k: share for k in weights}
    config["training"]["max_steps"] = max_steps
    config["training"]["max_epochs"] = 0
    config["training"]["patience"] = 0
    config["training"]["eval_frequency"] = eval_frequency or max(1, min(200, max_steps // 5))
    config["training"]["seed"] = seed
    config["paths"]["train"] = str(train_path)
    config["paths"]["dev"] = str(dev_path)
    return config


def _source_from(base: str, blocks: Any, pipeline: list[str]) -> None:
    """Fine-tune ``base``'s tok2vec (and ner): the other components listen to its
    tok2vec, whose width they then take from ``base`` (the config's interpolation of
    ``components.tok2vec.model.encode.width`` has no block to read once it is sourced).

    Raises:
        OSError: ``base`` is no installed pipeline nor a pipeline folder.
        ValueError: ``base`` has no tok2vec to source.
    """
    import spacy

    found = spacy.load(base).config["components"]
    if "tok2vec" not in found:
        raise ValueError(f"the pipeline {base!r} has no shared tok2vec to fine-tune")
    width = found["tok2vec"]["model"]["encode"]["width"]
    blocks["tok2vec"] = {"source": base}
    if "ner" in pipeline and "ner" in found:
        blocks["ner"] = {"source": base}
    for name in pipeline:
        model = blocks[name].get("model", {})
        listener = model.get("tok2vec") if isinstance(model, dict) else None
        if isinstance(listener, dict) and "width" in listener:
            listener["width"] = width


def _spancat_template(language: str) -> Any:
    from spacy.cli.init_config import init_config

    return init_config(lang=language, pipeline=["spancat"], optimize="efficiency")["components"][
        "spancat"
    ]


def _kind(name: str) -> str:
    if name.startswith("spancat"):
        return "spancat"
    if name.startswith("textcat"):
        return "textcat"
    return name


def _weight_component(weight: str, pipeline: list[str]) -> bool:
    if weight.startswith("ents"):
        return "ner" in pipeline
    if weight.startswith("cats"):
        return any(n.startswith("textcat") for n in pipeline)
    return any(n.startswith("spancat") for n in pipeline)


def train(
    config: Any, out: Path, on_step: Callable[[TrainingStep], None] | None = None
) -> TrainingResult:
    """Train ``config`` and write ``out/model-best`` and ``out/model-last``.

    Raises:
        Exception: whatever ``on_step`` raises (to cancel); ``out`` keeps its old models.
    """
    from spacy.schemas import ConfigSchemaTraining
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import (
        create_before_to_disk_callback,
        create_evaluation_callback,
        create_train_batches,
        train_while_improving,
        update_meta,
    )
    from spacy.util import registry, resolve_dot_names

    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".training"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        nlp = init_nlp(config, use_gpu=-1)
        resolved = nlp.config.interpolate()
        training = registry.resolve(resolved["training"], schema=ConfigSchemaTraining)
        train_corpus, dev_corpus = resolve_dot_names(
            resolved, [training["train_corpus"], training["dev_corpus"]]
        )
        optimizer = training["optimizer"]
        before_to_disk = create_before_to_disk_callback(training["before_to_disk"])
        steps = train_while_improving(
            nlp,
            optimizer,
            create_train_batches(nlp, train_corpus, training["batcher"], training["max_epochs"]),
            create_evaluation_callback(nlp, dev_corpus, training["score_weights"]),
            dropout=training["dropout"],
            accumulate_gradient=training["accumulate_gradient"],
            patience=training["patience"],
            max_steps=training["max_steps"],
            eval_frequency=training["eval_frequency"],
            exclude=training["frozen_components"],
            annotating_components=training["annotating_components"],
            before_update=training["before_update"],
        )
        result = TrainingResult(
            work / MODEL_BEST, work / MODEL_LAST, 0, 0.0, -1.0, components=list(nlp.pipe_names)
        )
        last_step = 0
        for _batch, info, is_best in steps:
            last_step = int(info["step"])
            scores = None
            if is_best is not None:
                scores = component_scores(nlp.pipe_names, info["other_scores"], nlp)
                result.curve.append((last_step, {n: s["f"] for n, s in scores.items()}))
                update_meta(training, nlp, info)
                with nlp.use_params(optimizer.averages):
                    before_to_disk(nlp).to_disk(work / MODEL_LAST)
                if is_best or result.score < 0:
                    result.score = float(info["score"])
                    result.scores = scores
                    shutil.rmtree(work / MODEL_BEST, ignore_errors=True)
                    shutil.copytree(work / MODEL_LAST, work / MODEL_BEST)
            if on_step is not None:
                on_step(
                    TrainingStep(
                        last_step,
                        int(training["max_steps"]),
                        int(info["epoch"]),
                        {k: float(v) for k, v in info["losses"].items()},
                        float(info["score"]) if scores is not None else None,
                        scores,
                    )
                )
        if optimizer.averages:
            nlp.use_params(optimizer.averages)
        before_to_disk(nlp).to_disk(work / MODEL_LAST)
        if not (work / MODEL_BEST).exists():
            shutil.copytree(work / MODEL_LAST, work / MODEL_BEST)
        for name in (MODEL_BEST, MODEL_LAST):
            shutil.rmtree(out / name, ignore_errors=True)
            (work / name).rename(out / name)
        result.model_best, result.model_last = out / MODEL_BEST, out / MODEL_LAST
        result.steps = last_step
        result.seconds = time.perf_counter() - began
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def component_scores(
    pipe_names: list[str], scores: dict[str, Any], nlp: Any = None
) -> dict[str, dict[str, Any]]:
    """spaCy's flat dev scores regrouped per component, each with its labels' F1."""
    grouped: dict[str, dict[str, Any]] = {}
    for name in pipe_names:
        if name == "ner":
            prefix, per_type = "ents", scores.get("ents_per_type") or {}
        elif name.startswith("spancat") and nlp is not None:
            key = nlp.get_pipe(name).cfg["spans_key"]
            prefix, per_type = f"spans_{key}", scores.get(f"spans_{key}_per_type") or {}
        elif name.startswith("textcat"):
            per_type = scores.get("cats_f_per_type") or {}
            grouped[name] = {
                "f": _number(scores.get("cats_score")),
                "labels": {label: _number(v.get("f")) for label, v in per_type.items()},
            }
            continue
        else:
            continue
        grouped[name] = {
            "f": _number(scores.get(f"{prefix}_f")),
            "p": _number(scores.get(f"{prefix}_p")),
            "r": _number(scores.get(f"{prefix}_r")),
            "labels": {label: _number(v.get("f")) for label, v in per_type.items()},
        }
    return grouped


def _number(value: Any) -> float:
    return round(float(value), 4) if isinstance(value, int | float) else 0.0

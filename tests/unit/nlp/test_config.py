"""The generated config.cfg: a component per kind of data, long-claim suggester, no drops."""

from __future__ import annotations

import spacy
from spacy import util

from annotator.core.model import AnnotationSet, Document, Span
from annotator.core.scheme import Scheme
from annotator.nlp.config import TrainingPlan, component_name, training_config
from annotator.nlp.examples import ExampleBuilder
from annotator.nlp.language import blank

TEXT = "Marie Dubois affirme que les données des utilisateurs restent en Europe. Fin."


def plan_for(scheme: Scheme, sets: list[AnnotationSet]) -> TrainingPlan:
    builder = ExampleBuilder(blank("fr"), scheme, "strict", False)
    plan = TrainingPlan(scheme, "entity")
    for number, aset in enumerate(sets):
        for doc in builder.build(Document(f"d{number}", TEXT, {}, [aset]))[0]:
            plan.observe(doc, f"d{number}")
    return plan


def claim_set(labels: dict[str, str | list[str]] | None = None) -> AnnotationSet:
    claim = "les données des utilisateurs restent en Europe"
    start = TEXT.index(claim)
    return AnnotationSet(
        "alice",
        "done",
        [
            Span("p", "entity", 0, 12, "PER"),
            Span("c", "claim", start, start + len(claim), "CLAIM", {"stance": "NONE"}),
        ],
        [],
        labels if labels is not None else {"stance": "NONE"},
    )


def test_components_follow_the_data_and_the_claim_suggester_covers_the_longest_claim(
    scheme: Scheme,
) -> None:
    plan = plan_for(scheme, [claim_set()])

    ner, spans, textcat = plan.components({"d0"})
    config, names = training_config("fr", ner, spans, textcat)

    claim_tokens = len(spacy.blank("fr").make_doc("les données des utilisateurs restent en Europe"))
    assert names == ["ner", "spancat_claim", "spancat_claim_stance", "textcat"]
    block = config["components"]["spancat_claim"]
    assert block["spans_key"] == "claim"
    assert block["suggester"] == {
        "@misc": "spacy.ngram_range_suggester.v1",
        "min_size": 1,
        "max_size": claim_tokens,
    }
    assert config["components"]["spancat_claim_stance"]["spans_key"] == "claim_stance"
    assert config["training"]["score_weights"]["spans_claim_f"] > 0
    assert config["training"]["score_weights"]["spans_sc_f"] is None


def test_long_articles_are_not_dropped_and_batches_stay_small(scheme: Scheme) -> None:
    config, _ = training_config("fr", True, {}, None)

    assert config["corpora"]["train"]["max_length"] == 0
    assert config["corpora"]["dev"]["max_length"] == 0
    assert config["nlp"]["batch_size"] == 64
    assert config["nlp"]["lang"] == "fr"


def test_the_written_config_loads_back_into_a_pipeline(scheme: Scheme) -> None:
    config, names = training_config("en", True, {"claim": 12}, "textcat_multilabel")

    reloaded = util.load_config_from_str(config.to_str())
    nlp = util.load_model_from_config(reloaded, auto_fill=True, validate=True)

    assert nlp.lang == "en"
    assert nlp.pipe_names == ["tok2vec", *names]


def test_components_come_from_training_documents_only(scheme: Scheme) -> None:
    plan = plan_for(
        scheme, [claim_set(), AnnotationSet("alice", "done", [], [], {"stance": "FAVOR"})]
    )

    ner, spans, textcat = plan.components({"d1"})

    assert (ner, spans, textcat) == (False, {}, "textcat")


def test_a_question_not_answered_everywhere_is_multilabel(scheme: Scheme) -> None:
    plan = plan_for(scheme, [claim_set(), claim_set(labels={})])

    assert plan.components({"d0", "d1"})[2] == "textcat_multilabel"


def test_a_multi_answer_question_or_several_questions_are_multilabel() -> None:
    scheme = Scheme.from_dict(
        {
            "span_layers": [{"name": "entity", "labels": ["PER"]}],
            "questions": [
                {"name": "topic", "values": ["tech", "law"], "multi": True},
                {"name": "tone", "values": ["calm", "angry"]},
            ],
        }
    )
    multi = AnnotationSet("a", "done", [], [], {"topic": ["tech", "law"]})
    both = AnnotationSet("a", "done", [], [], {"topic": ["law"], "tone": "calm"})

    assert plan_for(scheme, [multi]).components({"d0"})[2] == "textcat_multilabel"
    assert plan_for(scheme, [both]).components({"d0"})[2] == "textcat_multilabel"


def test_component_names_are_safe_for_config_sections() -> None:
    assert component_name("my.layer-2") == "spancat_my_layer_2"

"""The scheme file (DESIGN §4, a contract): reading, checking, writing back, extending."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from annotator.core.errors import SchemeError
from annotator.core.scheme import PALETTE, Label, Scheme

DESIGN_SCHEME: dict[str, Any] = {
    "language": "fr",
    "target": "TikTok's handling of its users' data",
    "span_layers": [
        {"name": "entity", "overlap": False,
         "labels": [{"name": "PER", "key": "p", "color": "#e6550d"}, {"name": "ORG", "key": "o"},
                    {"name": "LOC", "key": "l"}, {"name": "MISC", "key": "m"}]},
        {"name": "claim", "overlap": True, "labels": [{"name": "CLAIM", "key": "c"}],
         "attributes": [{"name": "stance", "values": ["FAVOR", "AGAINST", "NONE"]}]},
        {"name": "cue", "overlap": True, "labels": [{"name": "CUE", "key": "u"}]},
    ],
    "relations": [{"name": "CLAIMANT", "head": "claim", "child": ["entity", "claim"]},
                  {"name": "CUE", "head": "claim", "child": ["cue"]}],
    "questions": [{"name": "stance", "values": ["FAVOR", "AGAINST", "NONE"], "multi": False}],
}  # fmt: skip


def design_scheme() -> dict[str, Any]:
    return copy.deepcopy(DESIGN_SCHEME)


def test_the_design_example_reads_as_written() -> None:
    scheme = Scheme.from_dict(design_scheme())

    assert scheme.language == "fr"
    assert [layer.name for layer in scheme.span_layers] == ["entity", "claim", "cue"]
    entity = scheme.layer("entity")
    assert entity is not None and not entity.overlap
    assert [label.name for label in entity.labels] == ["PER", "ORG", "LOC", "MISC"]
    assert entity.label("PER") == Label("PER", "p", "#e6550d")
    claim = scheme.layer("claim")
    assert claim is not None and claim.overlap
    stance = claim.attribute("stance")
    assert stance is not None and stance.values == ("FAVOR", "AGAINST", "NONE")
    claimant = scheme.relation("CLAIMANT")
    assert claimant is not None and claimant.child == ("entity", "claim")
    question = scheme.question("stance")
    assert question is not None and not question.multi


def test_the_default_scheme_covers_the_design_example(scheme: Scheme) -> None:
    """It may add layers or attributes, never lose what DESIGN §4 promises."""
    design = Scheme.from_dict(design_scheme())

    assert scheme.language == design.language and scheme.target == design.target
    for layer in design.span_layers:
        default = scheme.layer(layer.name)
        assert default is not None, layer.name
        assert default.overlap == layer.overlap
        assert [(lab.name, lab.key) for lab in default.labels] == [
            (lab.name, lab.key) for lab in layer.labels
        ]
        for attribute in layer.attributes:
            assert default.attribute(attribute.name) == attribute
    for relation in design.relations:
        default_relation = scheme.relation(relation.name)
        assert default_relation is not None and default_relation.head == relation.head
        assert set(relation.child) <= set(default_relation.child)
    assert scheme.questions == design.questions


def test_writing_then_reading_gives_the_same_scheme() -> None:
    data = design_scheme()
    data["x-team"] = {"reviewer": "zoé"}  # unknown keys travel along
    scheme = Scheme.from_dict(data)

    assert Scheme.from_dict(scheme.to_dict()) == scheme
    assert scheme.to_dict()["x-team"] == {"reviewer": "zoé"}


def test_labels_may_be_plain_strings_and_keys_and_colours_are_optional() -> None:
    scheme = Scheme.from_dict({"span_layers": [{"name": "topic", "labels": ["A", "B"]}]})

    topic = scheme.layer("topic")
    assert topic is not None
    assert topic.labels == (Label("A"), Label("B"))
    assert scheme.language == "fr" and scheme.target == ""


def test_labels_without_colour_get_distinct_palette_colours() -> None:
    scheme = Scheme.from_dict(design_scheme())

    assert scheme.color_of("entity", "PER") == "#e6550d"
    assigned = [scheme.color_of("entity", name) for name in ("ORG", "LOC", "MISC")]
    assert all(colour in PALETTE for colour in assigned)
    assert len(set(assigned)) == 3


def _broken(path: list[str | int], value: Any) -> dict[str, Any]:
    data = design_scheme()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (["not", "an", "object"], "a scheme is a JSON object"),
        ({"span_layers": {"name": "entity"}}, "'span_layers' must be a list"),
        (_broken(["span_layers", 0, "name"], "bad name!"), "span_layers[0]: 'name'"),
        (_broken(["span_layers", 1, "name"], "entity"), "span layer 'entity' is defined twice"),
        (
            _broken(["span_layers", 0, "labels", 1, "name"], "PER"),
            "label of layer 'entity' 'PER' is defined twice",
        ),
        (_broken(["span_layers", 2, "labels", 0, "key"], "p"), "key 'p' is used by both"),
        (_broken(["span_layers", 0, "labels", 1, "key"], "ab"), "span_layers[0].labels[1]: 'key'"),
        (
            _broken(["span_layers", 0, "labels", 0, "color"], "red"),
            "span_layers[0].labels[0]: 'color' must look like",
        ),
        (_broken(["span_layers", 0, "overlap"], "no"), "'overlap' must be true or false"),
        (
            _broken(["span_layers", 1, "attributes", 0, "values"], []),
            "span_layers[1].attributes[0]: 'values' must be a non-empty list",
        ),
        (_broken(["relations", 0, "head"], "quote"), "refers to layer 'quote'"),
        (_broken(["relations", 1, "child"], []), "relations[1]: needs 'head'"),
        (_broken(["relations", 1, "head"], []), "relations[1]: needs 'head'"),
        (_broken(["relations", 1, "head"], ["claim", "quote"]), "refers to layer 'quote'"),
        (_broken(["relations", 1, "head"], ["claim", 3]), "relations[1]: 'head' must name"),
        (_broken(["relations", 1, "head"], ["cue", "cue"]), "head layer 'cue' is defined twice"),
        (_broken(["questions", 0, "multi"], "yes"), "questions[0]: 'multi' must be true"),
        (_broken(["questions", 0, "values"], ["A", "A"]), "value 'A' is defined twice"),
        (_broken(["language"], "French"), "'language' must be a language code"),
        (_broken(["target"], 3), "'target' must be a string"),
    ],
)
def test_a_broken_scheme_is_refused_naming_the_source_and_the_entry(
    data: Any, expected: str
) -> None:
    with pytest.raises(SchemeError) as caught:
        Scheme.from_dict(data, source="team.json")

    message = str(caught.value)
    assert message.startswith("team.json")
    assert expected in message


def test_with_labels_adds_to_existing_layers_and_creates_overlapping_new_ones() -> None:
    scheme = Scheme.from_dict(design_scheme())

    grown = scheme.with_labels({"entity": ["PER", "DATE"], "topic": ["SPORT"]})

    entity = grown.layer("entity")
    assert entity is not None
    assert [lab.name for lab in entity.labels] == ["PER", "ORG", "LOC", "MISC", "DATE"]
    topic = grown.layer("topic")
    assert topic is not None and topic.overlap and topic.labels == (Label("SPORT"),)
    original = scheme.layer("entity")
    assert original is not None and original.label("DATE") is None  # immutable
    grown.check()


def test_a_relation_head_names_one_layer_or_a_list_and_is_written_back_the_same_way() -> None:
    data = design_scheme()
    data["relations"].append({"name": "REASON", "head": ["claim", "entity"], "child": "claim"})

    scheme = Scheme.from_dict(data)

    reason, claimant = scheme.relation("REASON"), scheme.relation("CLAIMANT")
    assert reason is not None and reason.head == ("claim", "entity")
    assert claimant is not None and claimant.head == ("claim",)
    written = scheme.to_dict()["relations"]
    assert written[0]["head"] == "claim"
    assert written[-1] == {"name": "REASON", "head": ["claim", "entity"], "child": ["claim"]}
    assert Scheme.from_dict(scheme.to_dict()) == scheme

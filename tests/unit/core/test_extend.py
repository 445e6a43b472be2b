"""Growing a scheme for imported data (``--extend-scheme``): relations and answers."""

from __future__ import annotations

from annotator.core.extend import extend_for
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.validation import problems
from annotator.services.corpora import default_scheme


def argument_set() -> AnnotationSet:
    """REASON from a PREMISE (entity layer) and from a CLAIM (claim layer)."""
    spans = [
        Span("p", "entity", 0, 5, "PREMISE"),
        Span("c", "claim", 6, 11, "CLAIM"),
        Span("d", "claim", 12, 17, "CLAIM"),
    ]
    relations = [Relation("p", "c", "REASON"), Relation("c", "d", "REASON")]
    return AnnotationSet("ana", "done", spans, relations)


def test_a_new_relation_joining_several_head_layers_gets_them_all() -> None:
    scheme = extend_for(default_scheme(), [argument_set()])

    reason = scheme.relation("REASON")
    assert reason is not None
    assert (reason.head, reason.child) == (("claim", "entity"), ("claim",))
    assert list(problems("a" * 20, argument_set(), scheme)) == []


def test_a_known_relation_gains_the_layers_the_data_joins() -> None:
    aset = AnnotationSet(
        "ana",
        "done",
        [Span("e", "entity", 0, 5, "PER"), Span("f", "entity", 6, 11, "ORG")],
        [Relation("e", "f", "CLAIMANT")],
    )

    scheme = extend_for(default_scheme(), [aset])

    claimant = scheme.relation("CLAIMANT")
    assert claimant is not None and claimant.head == ("claim", "entity")


def test_a_new_question_answered_yes_or_no_gets_both_values() -> None:
    aset = AnnotationSet("ana", "done", doc_labels={"INSULT": "yes"})

    question = extend_for(default_scheme(), [aset]).question("INSULT")

    assert question is not None and question.values == ("yes", "no")

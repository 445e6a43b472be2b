"""Annotated corpora for the spaCy tests: the seed articles with real annotations, and a
generated corpus of any size.

Seed annotations are written as surface strings and placed with ``str.index``, so every
offset is a code-point offset into the stored text by construction. An entity name is
annotated at every occurrence that does not overlap one placed before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.services.corpora import seed_documents


@dataclass(frozen=True)
class Claim:
    text: str
    stance: str
    claimant: str  # an entity name; the nearest occurrence is linked
    cue: str | None = None


@dataclass(frozen=True)
class SeedAnnotation:
    entities: dict[str, str]  # name -> label, in priority order
    claims: list[Claim] = field(default_factory=list)
    stance: str = "NONE"


SEEDS: dict[str, SeedAnnotation] = {
    "tiktok-oracle-donnees-americaines": SeedAnnotation(
        {
            "San Francisco": "LOC",
            "Roland Cloutier": "PER",
            "Albert Calamug": "PER",
            "Donald Trump": "PER",
            "Joe Biden": "PER",
            "TikTok": "ORG",
            "Bytedance": "ORG",
            "Oracle": "ORG",
            "Buzzfeed": "ORG",
            "AFP": "ORG",
            "Pékin": "LOC",
            "Virginie": "LOC",
            "Singapour": "LOC",
        },
        [
            Claim(
                "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois",
                "FAVOR",
                "TikTok",
                "a expliqué",
            ),
            Claim(
                "Notre but est de minimiser l’accès aux données dans toutes les régions",
                "FAVOR",
                "Roland Cloutier",
                "écrivait",
            ),
            Claim(
                "des employés de Bytedance avaient eu accès à de nombreuses reprises à des "
                "données non publiques sur des utilisateurs américains de l’application",
                "AGAINST",
                "Buzzfeed",
                "affirmant",
            ),
            Claim(
                "récolter des données confidentielles et de servir à Pékin pour faire de "
                "l’espionnage",
                "AGAINST",
                "Donald Trump",
                "accusé",
            ),
        ],
        "NONE",
    ),
    "cnil-amende-colibri-livraison": SeedAnnotation(
        {
            "Hélène Marchetti": "PER",
            "Julien Peyrac": "PER",
            "Karim Benali": "PER",
            "CNIL": "ORG",
            "Colibri": "ORG",
            "AFP": "ORG",
            "Paris": "LOC",
            "Lyon": "LOC",
        },
        [
            Claim(
                "Les travailleurs des plateformes ne renoncent pas à leur vie privée",
                "AGAINST",
                "Hélène Marchetti",
                "a déclaré",
            ),
            Claim("Nous avons toujours agi de bonne foi", "FAVOR", "Julien Peyrac", "affirme"),
        ],
        "AGAINST",
    ),
    "antwerp-e-scooter-ban": SeedAnnotation(
        {
            "Annelies Verbeke": "PER",
            "Tom De Smet": "PER",
            "Lars Holmqvist": "PER",
            "Voltra Mobility": "ORG",
            "Walk Antwerp": "ORG",
            "Antwerp": "LOC",
            "Madrid": "LOC",
        },
        [
            Claim(
                "Our pavements are for pedestrians, not for scooters dumped in front of doorways",
                "NONE",
                "Annelies Verbeke",
                "told",
            ),
            Claim(
                "This is a ban on the only form of transport that actually grew in this city",
                "NONE",
                "Tom De Smet",
                "said",
            ),
        ],
    ),
    "greve-dockers-marseille-fos": SeedAnnotation(
        {
            "Patrick Orsini": "PER",
            "François Delcour": "PER",
            "Bernard Lhomme": "PER",
            "MTS": "ORG",
            "AFP": "ORG",
            "Gênes": "LOC",
            "Barcelone": "LOC",
        },
        [
            Claim(
                "L’automatisation est la condition de notre survie",
                "NONE",
                "François Delcour",
                "a déclaré",
            ),
        ],
    ),
    "ai-act-open-source-exemption": SeedAnnotation(
        {
            "Marieke Jansen": "PER",
            "Davide Russo": "PER",
            "Karin Vogel": "PER",
            "European Parliament": "ORG",
            "Euroconsum": "ORG",
            "Leuven": "LOC",
            "STRASBOURG": "LOC",
        },
        [
            Claim(
                "Publishing weights on the internet does not make a model safe",
                "NONE",
                "Davide Russo",
                "said",
            ),
        ],
    ),
    "orbelia-satellite-kourou": SeedAnnotation(
        {"Sophie Laborde": "PER", "Antoine Ferrand": "PER", "Orbelia": "ORG", "Kiruna": "LOC"},
        [
            Claim(
                "L’État saupoudre des subventions sur des dizaines de start-up",
                "NONE",
                "Antoine Ferrand",
                "estime",
            ),
        ],
    ),
    "high-court-loopr-ad-targeting": SeedAnnotation(
        {"Siobhán Kearney": "PER", "Orla Brennan": "PER", "Safer Screens Ireland": "ORG"},
        [],
        "NONE",
    ),
}


def annotate(document: Document, spec: SeedAnnotation, annotator: str = "alice") -> AnnotationSet:
    """The set ``spec`` describes on ``document``, with ids e1.., c1.., u1.. ."""
    text = document.text
    taken: list[tuple[int, int]] = []
    spans: list[Span] = []
    for name, label in spec.entities.items():
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                spans.append(Span(f"e{len(spans) + 1}", "entity", start, end, label))
            start = text.find(name, end)
    relations: list[Relation] = []
    for number, claim in enumerate(spec.claims, start=1):
        start = text.index(claim.text)
        claim_id = f"c{number}"
        spans.append(
            Span(
                claim_id, "claim", start, start + len(claim.text), "CLAIM", {"stance": claim.stance}
            )
        )
        nearest = min(
            (s for s in spans if s.layer == "entity" and text[s.start : s.end] == claim.claimant),
            key=lambda s: abs(s.start - start),
        )
        relations.append(Relation(claim_id, nearest.id, "CLAIMANT"))
        if claim.cue:
            around = text.rfind(claim.cue, 0, start + 400)
            cue_id = f"u{number}"
            spans.append(Span(cue_id, "cue", around, around + len(claim.cue), "CUE"))
            relations.append(Relation(claim_id, cue_id, "CUE"))
    return AnnotationSet(annotator, "done", spans, relations, {"stance": spec.stance})


def annotated_seeds(language: str | None = None) -> list[Document]:
    """The seed articles (only those in ``language`` if given), each with alice's annotations.

    The seeds are French and English (``meta.lang``): all of them export to one folder
    per language, those of one language to one folder.
    """
    documents = [d for d in seed_documents() if language is None or d.meta.get("lang") == language]
    for document in documents:
        document.annotations.append(annotate(document, SEEDS[document.id]))
    return documents


PEOPLE = ["Marie Dubois", "Jean Martin", "Claire Petit", "Luc Moreau", "Anne Girard"]
ORGS = ["Oracle", "TikTok", "la CNIL", "Bytedance", "Colibri"]
PLACES = ["Paris", "Lyon", "Marseille", "Toulouse", "Bruxelles"]
VERBS = ["a déclaré", "affirme", "estime", "assure"]
CLAIMS = [
    "les données des utilisateurs sont protégées",
    "la plateforme partage trop d’informations",
    "le contrat ne change rien pour le public",
    "les serveurs seront installés en Europe",
]
STANCES = ["FAVOR", "AGAINST", "NONE", "NONE"]


def generated_documents(count: int, seed: int = 7) -> list[Document]:
    """``count`` short French articles with entities, claims, cues, claimants and stance."""
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        text, spans, relations = "", [], []
        first_claim = None
        for s in range(rng.randint(2, 4)):
            claim = rng.randrange(len(CLAIMS))
            first_claim = claim if first_claim is None else first_claim
            parts: list[tuple[str, str | None, str, str]] = [
                ("À ", None, "", ""),
                (rng.choice(PLACES), f"l{s}", "entity", "LOC"),
                (", ", None, "", ""),
                (rng.choice(PEOPLE), f"p{s}", "entity", "PER"),
                (", porte-parole de ", None, "", ""),
                (rng.choice(ORGS), f"o{s}", "entity", "ORG"),
                (", ", None, "", ""),
                (rng.choice(VERBS), f"u{s}", "cue", "CUE"),
                (" que ", None, "", ""),
                (CLAIMS[claim], f"c{s}", "claim", "CLAIM"),
                (". ", None, "", ""),
            ]
            for piece, span_id, layer, label in parts:
                if span_id is not None:
                    attrs = {"stance": STANCES[claim]} if layer == "claim" else {}
                    spans.append(
                        Span(span_id, layer, len(text), len(text) + len(piece), label, attrs)
                    )
                text += piece
            relations += [Relation(f"c{s}", f"p{s}", "CLAIMANT"), Relation(f"c{s}", f"u{s}", "CUE")]
        assert first_claim is not None
        aset = AnnotationSet("alice", "done", spans, relations, {"stance": STANCES[first_claim]})
        documents.append(Document(f"gen-{number:04d}", text.rstrip(), {}, [aset]))
    return documents

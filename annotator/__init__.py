"""Annotator: build training corpora from news articles.

Layers (DESIGN §3): ``ui -> services -> (store | formats | nlp | agreement) -> core``.
"""

__version__ = "0.1.0"

"""The domain: documents, annotation sets, spans, relations, schemes and edits.

Pure Python: nothing here imports Qt, SQLAlchemy or spaCy.
"""

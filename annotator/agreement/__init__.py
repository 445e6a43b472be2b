"""Inter-annotator agreement (DESIGN §8) computed on core objects, without spaCy or Qt.

- :mod:`~annotator.agreement.tokens`: the tokens token-level α is computed over;
- :mod:`~annotator.agreement.data` and :mod:`~annotator.agreement.collect`: documents
  flattened into arrays, once;
- :mod:`~annotator.agreement.spans`, :mod:`~annotator.agreement.alpha`,
  :mod:`~annotator.agreement.questions`, :mod:`~annotator.agreement.claims`: the metrics;
- :mod:`~annotator.agreement.report`: the figures of ``annotator agreement --json``,
  label confusion matrices; :mod:`~annotator.agreement.ranking`: the documents ranked
  by disagreement; :mod:`~annotator.agreement.differences`: one document's differences;
- :mod:`~annotator.agreement.html`: the self-contained HTML report.
"""

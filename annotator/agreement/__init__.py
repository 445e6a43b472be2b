"""Inter-annotator agreement (DESIGN §8) computed on core objects, without spaCy or Qt.

- :mod:`~annotator.agreement.tokens`: the tokens token-level α is computed over;
- :mod:`~annotator.agreement.data` and :mod:`~annotator.agreement.collect`: documents
  (core objects, or the store's rows a batch at a time) flattened into arrays;
- :mod:`~annotator.agreement.tally`: what the figures need, summed batch after batch, so
  that a corpus of any size is read once in bounded memory;
- :mod:`~annotator.agreement.spans`, :mod:`~annotator.agreement.alpha`,
  :mod:`~annotator.agreement.questions`, :mod:`~annotator.agreement.claims`: the metrics;
- :mod:`~annotator.agreement.report`: the figures of ``annotator agreement --json``,
  label confusion matrices; :mod:`~annotator.agreement.ranking`: the documents ranked
  by disagreement; :mod:`~annotator.agreement.differences`: one document's differences;
- :mod:`~annotator.agreement.html`: the self-contained HTML report.
"""

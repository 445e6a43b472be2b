"""The document view's controllers: snapping preparation, overlaps, link arcs."""

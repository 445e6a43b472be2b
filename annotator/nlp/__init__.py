"""Everything that needs spaCy. Import these modules lazily: spaCy costs about a second."""

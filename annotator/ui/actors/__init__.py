"""Actors in the window: linking spans to the registry, and the Actors view."""

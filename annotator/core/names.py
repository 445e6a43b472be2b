"""Annotator names: the rules a name follows, and the reserved name of the gold layer.

Kept apart from :mod:`annotator.core.model` and :mod:`annotator.core.validation` (which
re-export them) so that the window can check a name given on its command line before
its first paint without loading the domain's dataclasses.
"""

from __future__ import annotations

import re
from typing import Final

from annotator.core.errors import AnnotationError

GOLD: Final = "gold"
"""The reserved annotator name of the adjudicated layer."""

_ANNOTATOR = re.compile(r"^[^\x00-\x1f\x7f/\\|]{1,64}$")


def check_annotator_name(name: str) -> None:
    """An annotator name is 1–64 printable characters without ``/``, ``\\`` or ``|``."""
    if not isinstance(name, str) or not _ANNOTATOR.match(name) or name.strip() != name:
        raise AnnotationError(
            f"annotator name {name!r} is not usable: use 1 to 64 printable characters, "
            "without '/', '\\', '|' or leading/trailing spaces"
        )

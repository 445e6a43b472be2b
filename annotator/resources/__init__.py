"""Where the application's assets are: the icon, the default scheme, the default guidelines.

Their sources live in the checkout's top-level ``resources/`` folder. A wheel ships them as
package data in ``annotator/_resources`` (pyproject's force-include, as ``seeds/`` goes to
``annotator/_seeds``) and the packaged application puts them at the same place, so an
installation looks there first and a checkout (an editable install, the tests) falls back
to ``resources/``.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import AnnotatorError

_PACKAGE = Path(__file__).resolve().parents[1]
SHIPPED = _PACKAGE / "_resources"
CHECKOUT = _PACKAGE.parent / "resources"


def resources_dir() -> Path:
    """The folder holding the assets, in an installation or in a checkout."""
    for folder in (SHIPPED, CHECKOUT):
        if (folder / "default_scheme.json").is_file():
            return folder
    raise AnnotatorError(
        "the application's resources are missing from this installation; reinstall it"
    )


def resource_path(*parts: str) -> Path:
    """The path of one asset, e.g. ``resource_path("icons", "annotator-64.png")``."""
    return resources_dir().joinpath(*parts)

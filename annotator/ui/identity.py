"""Who annotates: the name asked at first start and in File › Switch annotator.

A name the user types is checked here, with the reason shown when it is refused: the
name rules of :func:`annotator.core.validation.check_annotator_name`, and the reserved
name of the adjudicated layer (``gold``), which the window enters only through
Review › Edit the gold layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.errors import AnnotationError
from annotator.core.names import GOLD, check_annotator_name

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

_PROMPT = "Your name as an annotator (it marks your annotations):"


def check_chosen_name(name: str) -> None:
    """Refuse a name a person may not annotate under.

    Raises:
        AnnotationError: the name breaks the name rules or is the reserved ``gold``.
    """
    check_annotator_name(name)
    if name.casefold() == GOLD:
        raise AnnotationError(
            f"{name!r} is reserved for the adjudicated layer: choose your own name "
            "(Review › Edit the gold layer edits the adjudicated layer)"
        )


def ask_name(parent: QWidget | None, title: str, default: str) -> str | None:
    """Ask for a name until an acceptable one is given, saying why one was refused.

    Returns:
        The name, or None when the user cancelled.
    """
    from PySide6.QtWidgets import QInputDialog

    prompt = _PROMPT
    text = default
    while True:
        name, ok = QInputDialog.getText(parent, title, prompt, text=text)
        if not ok:
            return None
        name = name.strip()
        try:
            check_chosen_name(name)
        except AnnotationError as error:
            prompt = f"{error}.\n\n{_PROMPT}"
            text = name
            continue
        return name


def ask_annotator(settings: QSettings) -> str:
    """The annotator's name: from the settings, else asked once and remembered (the
    login name when the dialog is cancelled)."""
    import getpass

    stored = settings.value("annotator")
    if stored:
        return str(stored)
    default = getpass.getuser() or "annotator"
    try:
        check_chosen_name(default)
    except AnnotationError:
        default = "annotator"
    name = ask_name(None, "Welcome to Annotator", default) or default
    settings.setValue("annotator", name)
    return name

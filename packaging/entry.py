"""Entry point of the packaged application (``packaging/annotator.spec``).

The spec builds two programs from this one script, sharing one folder of libraries:

- ``annotator``: the command line, exactly as ``pip install`` provides it (``annotator``
  alone, or with a corpus file, opens the window);
- ``annotator-gui``: always the window. On Windows it is built without a console, so
  that starting it from the Start menu or a double-click opens no terminal window; the
  Linux desktop file starts it with the double-clicked corpus.

Which one runs is decided by the program's own name.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    if Path(sys.executable).stem.lower() == "annotator-gui":
        from annotator.ui.app import main as open_window

        return open_window()
    from annotator.cli import main as command_line

    return command_line()


if __name__ == "__main__":
    sys.exit(main())

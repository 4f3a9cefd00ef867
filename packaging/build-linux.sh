#!/usr/bin/env bash
# Builds the Linux installers: the frozen app (PyInstaller onedir), then
#   dist/postretry-gui_<version>_<arch>.deb          (dpkg-deb -Zzstd; installs into /opt/postretry-gui)
#   dist/postretry-gui-<version>-linux-<arch>.tar.gz (the same folder plus icon and desktop entry)
# On a fresh Debian/Ubuntu as root it first installs what the build needs with apt-get.
#
# Environment: PKG_VENV (default .venv-pkg), PYTHON_VERSION (default 3.11),
# POSTRETRY_CLEAN=1 to rebuild PyInstaller's cache from scratch.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/bootstrap.sh"
cd "$ROOT"

NAME=postretry-gui
started=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# What running the frozen app needs from the system (also the .deb's Depends, see below), and
# what building needs: binutils (objdump/strip for PyInstaller), dpkg-dev (dpkg-shlibdeps),
# zstd, and a Python 3.11 with venv and its shared library (Debian's python3.11 is static).
RUNTIME_PACKAGES="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3
  libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libxcb-xfixes0 libxcb-shm0 libxcb-sync1 libxcb-render0 libwayland-client0 libwayland-cursor0
  libwayland-egl1"
BUILD_PACKAGES="binutils dpkg-dev zstd desktop-file-utils"
if ! find_python "${PYTHON_VERSION:-3.11}" >/dev/null; then
  BUILD_PACKAGES="$BUILD_PACKAGES python3 python3-venv python3.11-venv libpython3.11"
fi
EXTRA_SYSTEM_PACKAGES="$(echo "$RUNTIME_PACKAGES $BUILD_PACKAGES" | tr -s ' \n' ' ')" install_system_packages
for tool in objdump dpkg-deb dpkg-shlibdeps tar; do
  command -v "$tool" >/dev/null || { log "missing $tool (run as root on Debian/Ubuntu to install it)"; exit 1; }
done

# --- the packaging virtualenv ------------------------------------------------------------------
venv=${PKG_VENV:-$ROOT/.venv-pkg}
python=$(find_python "${PYTHON_VERSION:-3.11}") || { log "Python ${PYTHON_VERSION:-3.11} not found"; exit 1; }
stamp="$venv/.installed-$(cksum <"$ROOT/pyproject.toml" | cut -d' ' -f1)-packaging"
if [ ! -f "$stamp" ]; then
  log "preparing $venv ($("$python" --version))"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e "${ROOT}[packaging]"
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
VERSION=$("$venv/bin/python" -c 'import postretry_gui; print(postretry_gui.__version__)')
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)

# --- the frozen app ----------------------------------------------------------------------------
t=$(date +%s.%N)
log "PyInstaller: $NAME $VERSION"
clean=()
[ "${POSTRETRY_CLEAN:-0}" = 1 ] && clean=(--clean)
"$venv/bin/pyinstaller" --noconfirm "${clean[@]}" --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/$NAME.spec >&2
frozen="$ROOT/dist/$NAME"
[ -x "$frozen/$NAME" ] || { log "PyInstaller produced no $frozen/$NAME"; exit 1; }
pyinstaller_s=$(elapsed "$t")

# --- the .deb ----------------------------------------------------------------------------------
t=$(date +%s.%N)
stage="$ROOT/build/deb/$NAME"
rm -rf "$stage" && mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" \
  "$stage/usr/share/applications" "$stage/usr/share/doc/$NAME" "$stage/usr/share/icons/hicolor/scalable/apps"
cp -a "$frozen" "$stage/opt/$NAME"
# Relative, so it also resolves inside a scratch root unpacked with dpkg-deb -x; the bootloader
# follows the link to find its _internal/ folder.
ln -s "../../opt/$NAME/$NAME" "$stage/usr/bin/$NAME"
install -m 644 packaging/linux/$NAME.desktop "$stage/usr/share/applications/$NAME.desktop"
install -m 644 resources/app/$NAME.svg "$stage/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
for png in resources/app/"$NAME"-*.png; do
  size=${png##*-}; size=${size%.png}
  install -D -m 644 "$png" "$stage/usr/share/icons/hicolor/${size}x${size}/apps/$NAME.png"
done
cat >"$stage/usr/share/doc/$NAME/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $NAME
License: MIT
Comment: Bundles Python, PySide6/Qt 6 (LGPL-3.0), keyring, httpx, starlette, uvicorn, qasync,
 platformdirs, SecretStorage, jeepney and cryptography under their own licenses
 (see /opt/$NAME/_internal/*.dist-info).
EOF

# Depends: what the bundled binaries link against from the system, found by dpkg-shlibdeps,
# plus what Qt loads with dlopen and so no linker can see: EGL/GL, the xcb cursor and keyboard
# libraries of the xcb platform plugin, and Wayland's EGL glue.
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$shlibs_dir"' EXIT
mkdir -p "$shlibs_dir/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" >"$shlibs_dir/debian/control"
mapfile -t elves < <(find "$stage/opt/$NAME" -type f \( -name '*.so*' -o -name "$NAME" \) -print)
shlibs=$(cd "$shlibs_dir" && dpkg-shlibdeps -O --ignore-missing-info \
  -l"$stage/opt/$NAME/_internal" -l"$stage/opt/$NAME/_internal/PySide6/Qt/lib" \
  "${elves[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
dlopened="libegl1, libgl1, libxcb-cursor0, libxkbcommon-x11-0, libxcb-icccm4, libxcb-image0,
  libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libxcb-xkb1,
  libwayland-egl1, libwayland-cursor0"
# One entry per package: dpkg-shlibdeps' versioned ones win over the plain names above.
depends=$(printf '%s, %s' "$shlibs" "$dlopened" | tr -s ' \n' ' ' | tr ',' '\n' \
  | sed 's/^ *//; s/ *$//' | awk 'NF { name = $1; if (!(name in seen)) { seen[name] = 1; print } }' \
  | paste -sd, - | sed 's/,/, /g')
installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: postretry-gui maintainers <maintainers@postretry-gui.invalid>
Installed-Size: $installed_kb
Depends: $depends
Recommends: fonts-dejavu-core | fonts-freefont-ttf, gnome-keyring | kwalletmanager | keepassxc
Section: net
Priority: optional
Description: keyboard-first cockpit for retrying failed social-publishing destinations
 postretry-gui lists posts with one row per destination, lets the operator tick the
 failed destinations that can be retried and sends exactly one retry per post, never
 twice. API keys stay in the desktop keyring (Secret Service).
EOF
find "$stage" -type d -exec chmod 755 {} +
deb="$ROOT/dist/${NAME}_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zzstd --build "$stage" "$deb" >/dev/null
deb_s=$(elapsed "$t")

# --- the tarball -------------------------------------------------------------------------------
t=$(date +%s.%N)
tree="$ROOT/build/tar/$NAME-$VERSION"
rm -rf "$ROOT/build/tar" && mkdir -p "$tree"
cp -a "$frozen/." "$tree/"
install -m 644 packaging/linux/$NAME.desktop resources/app/$NAME.svg resources/app/$NAME-256.png "$tree/"
tarball="$ROOT/dist/$NAME-$VERSION-linux-$(uname -m).tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$ROOT/build/tar" -cf - "$NAME-$VERSION" \
  | gzip -n -6 >"$tarball"
tar_s=$(elapsed "$t")

log "built in $(elapsed "$started") s (PyInstaller ${pyinstaller_s} s, deb ${deb_s} s, tar.gz ${tar_s} s)"
log "  onedir   $(du -sh "$frozen" | cut -f1)  $frozen"
log "  deb      $(du -h "$deb" | cut -f1)  $deb"
log "  tar.gz   $(du -h "$tarball" | cut -f1)  $tarball"
log "  Depends: $depends"
printf '%s\n' "$deb" "$tarball"

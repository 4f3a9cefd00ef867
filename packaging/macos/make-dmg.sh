#!/usr/bin/env bash
# Wraps dist/postretry-gui.app (from PyInstaller's BUNDLE on macOS) into a compressed disk
# image with an /Applications shortcut to drag it onto:
#
#   packaging/macos/make-dmg.sh 0.1.0   ->  dist/postretry-gui-0.1.0-macos-<arch>.dmg
#
# The app is ad-hoc signed here (Apple Silicon refuses to run unsigned code); signing with a
# Developer ID and notarizing need credentials and are left to whoever holds them.
set -euo pipefail
version=${1:?usage: make-dmg.sh VERSION}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
app="$root/dist/postretry-gui.app"
[ -d "$app" ] || { echo "no $app: run PyInstaller on macOS first" >&2; exit 1; }
dmg="$root/dist/postretry-gui-$version-macos-$(uname -m).dmg"

codesign --force --deep --sign - "$app"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "postretry-gui $version" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 "$dmg"
hdiutil verify "$dmg"
echo "$dmg"

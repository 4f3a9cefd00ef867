#!/usr/bin/env bash
# Smoke test of the Linux build, one command: build, install the .deb, run the installed app.
#
#   packaging/smoke-test-linux.sh            build, unpack the .deb into a scratch root, test it
#   packaging/smoke-test-linux.sh --no-build test the .deb already in dist/
#   packaging/smoke-test-linux.sh --dpkg     install for real with apt-get (root only; removes
#                                            the package again afterwards)
#
# Checks: the desktop entry validates and its icon is in the hicolor theme; the installed
# launcher answers --version; the frozen keyring resolves the real SecretService backend
# under a private D-Bus session and round-trips a throwaway value; --self-test (offscreen,
# simulator) reports ok with that backend; --quit-after-paint reports the time to a painted
# window. Each step prints its time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=postretry-gui
build=1 mode=scratch
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    --dpkg) mode=dpkg ;;
    *) echo "usage: $0 [--no-build] [--dpkg]" >&2; exit 2 ;;
  esac
done
export QT_QPA_PLATFORM=offscreen

log() { printf '[smoke] %s\n' "$*" >&2; }
fail() { printf '[smoke] FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
step_started=0
step() { step_started=$(now); log "$*"; }
done_step() { log "  ok ($(since "$step_started") s)"; }
started=$(now)
py=$(command -v python3 || true)
[ -n "$py" ] || py="$ROOT/.venv-pkg/bin/python"
# Reads the JSON report from a command's output (a whole document, or the last JSON line).
json_field() {
  "$py" -c '
import json, sys
text = sys.stdin.read()
try:
    report = json.loads(text)
except ValueError:
    lines = [l for l in text.splitlines() if l.strip().startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
value = report
for key in sys.argv[1].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print(json.dumps(value) if not isinstance(value, str) else value)
' "$1"
}

if [ "$build" = 1 ]; then
  step "build (packaging/build-linux.sh)"
  "$ROOT/packaging/build-linux.sh" >/dev/null
  done_step
fi
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/src/postretry_gui/__init__.py")
debs=("$ROOT/dist/${NAME}_${version}"_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || fail "no dist/${NAME}_${version}_*.deb (build first)"
log "package: $deb ($(du -h "$deb" | cut -f1))"

step "install ($mode)"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/postretry-smoke.XXXXXX")
cleanup() {
  rm -rf "$scratch"
  if [ "$mode" = dpkg ]; then dpkg -r "$NAME" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ "$mode" = dpkg ]; then
  [ "$(id -u)" = 0 ] || fail "--dpkg needs root"
  # apt-get (not dpkg -i) so that Depends are resolved: that is what this mode tests.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
  root=""
else
  dpkg-deb -x "$deb" "$scratch"
  root=$scratch
fi
bin="$root/usr/bin/$NAME"
[ -x "$bin" ] || fail "$bin is missing"
done_step

step "desktop entry and icons"
desktop="$root/usr/share/applications/$NAME.desktop"
[ -f "$desktop" ] || fail "no desktop entry at $desktop"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate rejected $desktop"
else
  log "  desktop-file-validate not installed (apt-get install desktop-file-utils): skipped"
fi
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 16 32 48 256; do
  [ -f "$root/usr/share/icons/hicolor/${size}x${size}/apps/$icon.png" ] || fail "no ${size}px icon '$icon'"
done
[ -f "$root/usr/share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "no scalable icon '$icon'"
done_step

step "installed launcher: --version"
out=$("$bin" --version) || fail "--version exited $?"
[ "$out" = "$NAME $version" ] || fail "--version said '$out', expected '$NAME $version'"
done_step

keyring_wrapper="$ROOT/scripts/with-private-keyring"
step "frozen keyring under a private D-Bus session (packaging probe)"
probe=$(POSTRETRY_PACKAGING_PROBE=1 "$keyring_wrapper" "$bin" 2>/dev/null) || fail "probe exited $?: $probe"
backend=$(json_field keyring_backend <<<"$probe")
[ "$backend" = "keyring.backends.SecretService.Keyring" ] || fail "frozen keyring backend is '$backend'"
[ "$(json_field round_trip <<<"$probe")" = true ] || fail "keyring round trip failed: $probe"
[ "$(json_field icon_renders <<<"$probe")" = true ] || fail "the SVG icon did not render: $probe"
log "  backend $backend, round trip ok, SVG icon renders"
done_step

# --self-test and --quit-after-paint arrive with the UI; until then --help does not list them.
if "$bin" --help 2>/dev/null | grep -q -- '--self-test'; then
  step "installed app: --self-test (simulator, offscreen, private keyring)"
  report=$("$keyring_wrapper" "$bin" --self-test 2>/dev/null) || fail "--self-test exited $?: $report"
  [ "$(json_field ok <<<"$report")" = true ] || fail "--self-test not ok: $report"
  backend=$(json_field keyring_backend <<<"$report")
  case $backend in
    *SecretService*) ;;
    *) fail "--self-test saw keyring backend '$backend'" ;;
  esac
  log "  self-test ok in $(json_field elapsed_s <<<"$report") s, keyring $backend"
  done_step
else
  log "this build has no --self-test yet: skipped"
fi

step "installed app: --quit-after-paint"
if paint=$("$keyring_wrapper" "$bin" --quit-after-paint 2>&1); then
  log "  $(grep -o 'painted_s=[0-9.]*' <<<"$paint" || echo "no painted_s= in output")"
  done_step
elif grep -q 'unrecognized arguments' <<<"$paint"; then
  log "  this build has no --quit-after-paint yet: skipped"
else
  fail "--quit-after-paint failed: $paint"
fi

log "PASS in $(since "$started") s"

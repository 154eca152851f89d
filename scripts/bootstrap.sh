#!/usr/bin/env bash
# Prepare a fresh Debian machine with Python 3.11 to run taxharvest: the system libraries it needs
# (venv support, Pango for WeasyPrint's PDFs, tesseract for scanned returns), then a virtualenv in .venv with the pinned packages.
# With --test, also Chromium (browser tests), wrk (the portal benchmark), poppler-utils (PDF page images) and PolicyEngine-US
# (the state tax oracle) in its own virtualenv, .venv-oracle. Safe to run again: it installs
# only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
REQUIREMENTS=requirements-dev.txt

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "bootstrap: need root (or sudo) to run: $*" >&2; return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "bootstrap: please install: $*" >&2; return 1; }
  echo "bootstrap: installing system packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

PY=$(find_python) || { echo "bootstrap: Python 3.11 is required (python3.11 not found)." >&2; exit 1; }

missing=()
"$PY" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so'; then missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core); fi
# Scanned Form 1040s are read by OCR (taxprofiles/form1040/ocr.py): tesseract with its English model.
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr tesseract-ocr-eng)
# `bootstrap.sh --test`: the browser tests drive Debian's Chromium; the portal benchmark uses wrk; the report
# tests turn PDF pages into images with poppler's pdftoppm (and read their text with pdftotext).
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fi
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# `bootstrap.sh --test`: PolicyEngine-US, the state income tax oracle, in its own virtualenv (its pins must
# not meet the app's or taxcalc's); tests/taxprofiles/rules/test_policyengine_states.py runs it in a subprocess.
if [ "${1:-}" = "--test" ]; then
  ORACLE_VENV=.venv-oracle
  ORACLE_REQUIREMENTS=requirements-oracle.txt
  if [ ! -x "$ORACLE_VENV/bin/python" ]; then
    "$PY" -m venv "$ORACLE_VENV"
  fi
  oracle_stamp="$ORACLE_VENV/.installed-$(sha256sum "$ORACLE_REQUIREMENTS" | cut -c1-16)"
  if [ ! -f "$oracle_stamp" ]; then
    "$ORACLE_VENV/bin/python" -m pip install --quiet --upgrade pip
    "$ORACLE_VENV/bin/python" -m pip install --quiet --only-binary=:all: -r "$ORACLE_REQUIREMENTS"
    rm -f "$ORACLE_VENV"/.installed-*
    touch "$oracle_stamp"
  fi
fi

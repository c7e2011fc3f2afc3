#!/bin/sh
# `make test` runs this first: the system packages the suite needs beyond Python (Chromium for
# tests/e2e, Node.js and npm for tests/interop). If one is missing it prints one line naming it
# and the command that installs it, and exits 1 before anything is installed or run.
# .ci/run installs them with apt-get beforehand.

chromium=${MCRED_CHROMIUM:-/usr/bin/chromium}  # the executable tests/e2e launches
python=${PYTHON:-python3}
venv=${VENV:-.venv}

missing=""
packages=""
need() {  # need "WHAT is needed for WHY" PACKAGE
    missing="${missing:+$missing; }$1"
    packages="${packages:+$packages }$2"
}

[ -f "$chromium" ] && [ -x "$chromium" ] ||
    need "Chromium ($chromium) is needed for the browser tests" chromium
if ! command -v node >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1; then
    need "Node.js and npm are needed for the interop tests" "nodejs npm"
elif ! command -v node >/dev/null 2>&1; then
    need "Node.js is needed for the interop tests" nodejs
elif ! command -v npm >/dev/null 2>&1; then
    need "npm is needed for the interop tests" npm
fi
# A first `make setup` creates the virtualenv; Debian ships venv/ensurepip separately.
if [ ! -f "$venv/.installed" ] && ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need "$python with venv is needed to create $venv" python3-venv
fi

[ -z "$packages" ] && exit 0
echo "make: $missing: apt-get install $packages" >&2
exit 1

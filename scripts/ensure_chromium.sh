#!/usr/bin/env bash
# Headless Chromium renders the HTML report in the test suite (tests/test_report.py).
# Installs Debian's chromium when missing and we may (root with apt-get, e.g. CI);
# otherwise says so, and that test skips with the same reason.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the report screenshot test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/tmp/labstats-apt-chromium.log 2>&1 \
    || echo "could not install chromium (see /tmp/labstats-apt-chromium.log); the screenshot test will skip"
else
  echo "chromium not found and not root: the report screenshot test will skip"
fi
exit 0

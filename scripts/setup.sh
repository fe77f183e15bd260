#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what calor needs to build, run and test on Debian 12, and nothing
# that is already there. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: build libraries, the test browser, load tools, peers,
# openssl (the TLS test makes its certificate), e2fsprogs and util-linux
# (the disk-full test's ext4 image and prlimit, when it cannot mount tmpfs),
# clang with libFuzzer's runtime (`make fuzz`) and clang-format (lint).
pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev
      libjansson-dev libspng-dev zlib1g-dev libsodium-dev libcurl4-openssl-dev
      sqlite3 chromium wrk nginx-light curl openssl clang libclang-rt-14-dev
      clang-format e2fsprogs util-linux)
# node and npm may come from elsewhere than Debian; install them only if absent.
command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: esbuild (tracker minification), playwright-core (browser
# tests, driving Debian's chromium; it never downloads a browser).
stamp=node_modules/.calor-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
	echo "setup: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
	touch "$stamp"
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What clang-format cannot see: banned string functions, the SPDX line on
# every source file, and formatting drift. Prints "ok NAME" / "not ok NAME".
cd "$(dirname "$0")/.."
src=$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c' 'tests/fuzz/*.h' 'tests/clickhouse/*.c' 'tools/*.c' 2>/dev/null)
[ -n "$src" ] || src=$(ls src/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tools/*.c)

banned=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|strtok)\s*\(' $src)
if [ -z "$banned" ]; then echo "ok no banned string functions"; else echo "not ok no banned string functions"; echo "$banned" >&2; fi

missing=""
for f in $src $(ls web/tracker/*.js web/dashboard/*.js tests/*/*.mjs tests/fuzz/*.sh scripts/*.sh tools/*.sh bench/*.sh 2>/dev/null); do
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier' || missing="$missing $f"
done
if [ -z "$missing" ]; then echo "ok every source file has an SPDX line"; else echo "not ok every source file has an SPDX line"; echo "missing:$missing" >&2; fi

if command -v clang-format >/dev/null; then
	if clang-format --dry-run --Werror $src 2>/dev/null; then echo "ok clang-format clean"; else
		echo "not ok clang-format clean"; clang-format --dry-run $src 2>&1 | head -20 >&2; fi
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: registers the demo site once (its key is kept in
# calor-data/demo-site.key) and starts calor on 127.0.0.1:8080 with the demo
# site at /demo/ and the dashboard at /.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${CALOR_DATA:-calor-data}
listen=${CALOR_LISTEN:-127.0.0.1:8080}
port=${listen##*:}
mkdir -p "$data"
if [ ! -s "$data/demo-site.key" ]; then
	./calor site add demo --data "$data" \
		--origin "http://127.0.0.1:$port" --origin "http://localhost:$port" |
		head -n 1 >"$data/demo-site.key"
fi
key=$(cat "$data/demo-site.key")
cat <<EOT

  calor is starting on http://$listen/

  dashboard   http://$listen/
  demo site   http://$listen/demo/   (click around, then look in the dashboard)
  site key    $key
  data        $data/calor.db

  Ctrl-C stops it; everything received is committed first.

EOT
exec ./calor serve --listen "$listen" --data "$data" --demo-site "$key"

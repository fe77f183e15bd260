#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: registers the demo site once (its key is kept in
# calor-data/demo-site.key) and starts calor on 127.0.0.1:8080 with the demo
# site at /demo/ and the dashboard at /. The first time, it also fills the
# dashboard: 30 days of simulated visitors (`calor simulate`, seed 1,
# 3,000 sessions) are sent to the starting server.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${CALOR_DATA:-calor-data}
listen=${CALOR_LISTEN:-127.0.0.1:8080}
port=${listen##*:}
sessions=${CALOR_DEMO_SESSIONS:-3000}
mkdir -p "$data"
if [ ! -s "$data/demo-site.key" ]; then
	./calor site add demo --data "$data" \
		--origin "http://127.0.0.1:$port" --origin "http://localhost:$port" |
		head -n 1 >"$data/demo-site.key"
	# simulated visits reach 30 days back; only a fresh demo gets them
	./calor site set "$(cat "$data/demo-site.key")" backdate_days=30 --data "$data" >/dev/null
	touch "$data/demo-simulate.pending"
fi
key=$(cat "$data/demo-site.key")
# the dashboard needs a user: admin, with a random password kept (0600)
# beside the data so every start can print it
if [ ! -s "$data/admin.password" ]; then
	(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$data/admin.password")
	./calor user add admin --data "$data" <"$data/admin.password" >/dev/null ||
		{ rm -f "$data/admin.password"; exit 1; }
fi
password=$(cat "$data/admin.password")
cat <<EOT

  calor is starting on http://$listen/

  dashboard   http://$listen/   (user admin, password $password)
  demo site   http://$listen/demo/   (click around, then look in the dashboard)
  site key    $key
  data        $data/calor.db

  Ctrl-C stops it; everything received is committed first.

EOT
serve=(./calor serve --listen "$listen" --data "$data" --demo-site "$key")
[ -e "$data/demo-simulate.pending" ] || exec "${serve[@]}"

# First run: the server in the background, the simulator against it, then
# wait for the server. A background job ignores SIGINT, so Ctrl-C reaches
# it as SIGTERM (which calor serve handles the same way).
"${serve[@]}" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
for _ in $(seq 100); do
	curl -fsS -o /dev/null "http://$listen/healthz" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
echo "  filling the dashboard: $sessions simulated sessions over 30 days (calor simulate)..."
if ./calor simulate --target "http://$listen" --site "$key" --sessions "$sessions" \
	--seed 1 --days 30; then
	rm -f "$data/demo-simulate.pending"
else
	echo "  calor simulate did not finish; it runs again at the next start" >&2
fi
status=0
while kill -0 "$pid" 2>/dev/null; do
	status=0
	wait "$pid" || status=$?
done
exit "$status"

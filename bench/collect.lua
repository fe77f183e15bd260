-- SPDX-License-Identifier: MIT
-- wrk script: POST /collect batches of 10 clicks, each batch with its own
-- page view id so none is deduplicated. The site key comes from CALOR_SITE.
local site = os.getenv("CALOR_SITE") or "bench"
local threads = 0
local n = 0
me = 0 -- set per thread by setup(); must stay global

function setup(thread)
	threads = threads + 1
	thread:set("me", threads)
end

local function click(i)
	return string.format('{"t":"click","ts":%d,"x":%d,"y":%d,"vw":1440,"vh":900,' ..
		'"dw":1440,"dh":3000,"sel":"main > section.hero > a.cta","ex":32768,' ..
		'"ey":16384,"ew":180,"eh":48,"pt":"mouse"}', 1764000000000 + i, 100 + i * 37 % 1200, 200 + i * 91 % 2500)
end

local clicks = {}
for i = 1, 10 do clicks[i] = click(i) end
local events = table.concat(clicks, ",")

request = function()
	n = n + 1
	local body = string.format('{"v":1,"site":"%s","now":1764000000000,"pv":{"id":"pv_b%d_%09d",' ..
		'"seq":0,"sid":"sess_bench_%d","url":"/bench","ts":1764000000000,"vw":1440,"vh":900},' ..
		'"ev":[%s]}', site, me, n, me, events)
	return wrk.format("POST", "/collect", {["Content-Type"] = "text/plain"}, body)
end

done = function(summary, latency, requests)
	io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d non2xx=%d p50_ms=%.3f p99_ms=%.3f\n",
		summary.requests, summary.duration / 1e6,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
		summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

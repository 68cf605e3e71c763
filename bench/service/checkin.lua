-- wrk script: every request POSTs one check-in (a report a day after a firm massage) to the
-- client link given as the URL; at the end one machine-readable line for run.py.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"twitching":{"present":true,"regions":["left_calf"],"episodes_per_day":8,' ..
           '"painful":false,"trend":"better"},"symptoms":{"pain_0_10":2,"soreness":"mild"}}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

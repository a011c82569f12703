-- wrk script: POST a 1 KiB body and print the summary as one JSON line (prefix WRKJSON) for the bench scripts.
wrk.method = "POST"
wrk.body = string.rep("y", 1024)
wrk.headers["Content-Type"] = "text/plain"

done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,' ..
    '"non2xx":%d,"timeouts":%d,"requestsPerSecond":%.1f,"latencyMs":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

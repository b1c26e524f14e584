-- Replays one fixed HTTP request and prints a machine-readable summary when wrk is done.
--
-- The request is read from the file named by $MOAT_BENCH_REQUEST:
--   line 1: method          (GET, POST, …)
--   line 2: request target  (/, /_moat/health, …)
--   then one "Name: value" header per line, an empty line, and the body (the rest of the file, byte for byte).
-- wrk formats the request once per thread and sends the same bytes for every request, so a SigV4 signature
-- computed beforehand stays valid for as long as the server's clock-skew window allows.

local request_file = os.getenv("MOAT_BENCH_REQUEST")
if request_file then
    local file = assert(io.open(request_file, "rb"))
    local method = assert(file:read("*l"), "request file: missing method line")
    local target = assert(file:read("*l"), "request file: missing target line")
    local headers = {}
    while true do
        local line = file:read("*l")
        if line == nil or line == "" then
            break
        end
        local name, value = line:match("^([^:]+):%s*(.*)$")
        assert(name, "request file: malformed header line: " .. line)
        headers[name] = value
    end
    local body = file:read("*a")
    file:close()

    wrk.method = method
    wrk.path = target
    for name, value in pairs(headers) do
        wrk.headers[name] = value
    end
    if body ~= nil and body ~= "" then
        wrk.body = body
    end
end

-- One line of JSON, prefixed so the driver can find it in wrk's output. Latencies are in microseconds.
function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "MOAT_BENCH_JSON {\"duration_us\":%d,\"requests\":%d,\"bytes\":%d,"
            .. "\"errors\":{\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d},"
            .. "\"latency_us\":{\"min\":%d,\"mean\":%.1f,\"stdev\":%.1f,\"max\":%d,"
            .. "\"p50\":%d,\"p90\":%d,\"p99\":%d,\"p999\":%d}}\n",
        summary.duration, summary.requests, summary.bytes,
        errors.connect, errors.read, errors.write, errors.status, errors.timeout,
        latency.min, latency.mean, latency.stdev, latency.max,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)
    ))
end

-- wrk script: POSTs the shared invoice webhook event, each request with its own event id (so no
-- delivery is a repeat), counts 2xx answers per thread and prints one JSON line at the end.
--   wrk ... -s post_invoice.lua <url> -- <invoice_event.json> <run tag>
local threads = {}
local counter = 0

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    local file = assert(io.open(args[1], "rb"))
    local body = file:read("*a")
    file:close()
    local first, last = body:find('"id":"[^"]*"')
    head = body:sub(1, first - 1) .. '"id":"evt_' .. (args[2] or "run") .. "_" .. tid .. "_"
    tail = '"' .. body:sub(last + 1)
    accepted = 0
    refused = 0
    headers = { ["Content-Type"] = "application/json" }
end

function request()
    counter = counter + 1
    return wrk.format("POST", nil, headers, head .. counter .. tail)
end

function response(status)
    if status >= 200 and status < 300 then
        accepted = accepted + 1
    else
        refused = refused + 1
    end
end

function done(summary, latency)
    local acc, ref = 0, 0
    for _, thread in ipairs(threads) do
        acc = acc + thread:get("accepted")
        ref = ref + thread:get("refused")
    end
    local e = summary.errors
    io.write(string.format('WRK_RESULT {"accepted":%d,"refused":%d,"socketErrors":%d,'
        .. '"timeouts":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
        acc, ref, e.connect + e.read + e.write, e.timeout, summary.duration,
        latency:percentile(50), latency:percentile(99), latency.max))
end

-- replay.lua, plus a count of the answers that carry `X-Amz-Function-Error` (a Lambda Invoke that answered 200
-- but whose function failed). Used by Benchmarks/lambda.py; prints one more line before replay.lua's summary:
--   MOAT_BENCH_LAMBDA {"function_errors":N,"responses":N}
-- and, when a function failed, the first failed answer's error type and body:
--   MOAT_BENCH_LAMBDA_ERROR <X-Amz-Function-Error> <body>
-- Defining `response` makes wrk parse every answer's headers in Lua: fine at Lambda's rates, not for the foundation
-- benchmark, which keeps using replay.lua alone.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "replay.lua")

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    function_errors = 0
    responses = 0
    first_error = ""
end

function response(status, headers, body)
    responses = responses + 1
    for name, value in pairs(headers) do
        if string.lower(name) == "x-amz-function-error" then
            function_errors = function_errors + 1
            if first_error == "" then
                first_error = value .. " " .. string.gsub(body or "", "\n", " ")
            end
        end
    end
end

local replay_done = done

function done(summary, latency, requests)
    local errors, answered, example = 0, 0, ""
    for _, thread in ipairs(threads) do
        errors = errors + (thread:get("function_errors") or 0)
        answered = answered + (thread:get("responses") or 0)
        if example == "" then
            example = thread:get("first_error") or ""
        end
    end
    io.write(string.format("MOAT_BENCH_LAMBDA {\"function_errors\":%d,\"responses\":%d}\n", errors, answered))
    if example ~= "" then
        io.write("MOAT_BENCH_LAMBDA_ERROR " .. example .. "\n")
    end
    replay_done(summary, latency, requests)
end

-- replay.lua, but every request signs up a new user: the body read from $MOAT_BENCH_REQUEST holds the placeholder
-- __MOAT_BENCH_USERNAME__, which each request replaces with "$MOAT_BENCH_SIGNUP_PREFIX-<thread>-<counter>" (the
-- prefix differs between runs, the thread number between wrk's threads, the counter between a thread's requests).
-- Used by Benchmarks/cognito.py for Cognito SignUp; prints one more line before replay.lua's summary:
--   MOAT_BENCH_SIGNUP {"sent":N,"responses":N,"failures":N}
-- and, when an answer was not 2xx, the first such answer's status and body:
--   MOAT_BENCH_SIGNUP_ERROR <status> <body>

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "replay.lua")

local placeholder = "__MOAT_BENCH_USERNAME__"
local prefix = os.getenv("MOAT_BENCH_SIGNUP_PREFIX") or "bench"
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

function init(args)
    sent = 0
    responses = 0
    failures = 0
    first_failure = ""
    local template = wrk.body or ""
    local at = string.find(template, placeholder, 1, true)
    assert(at, "request file: the body has no " .. placeholder)
    body_head = string.sub(template, 1, at - 1) .. prefix .. "-" .. tostring(thread_number) .. "-"
    body_tail = string.sub(template, at + #placeholder)
end

function request()
    sent = sent + 1
    return wrk.format(nil, nil, nil, body_head .. tostring(sent) .. body_tail)
end

function response(status, headers, body)
    responses = responses + 1
    if status < 200 or status > 299 then
        failures = failures + 1
        if first_failure == "" then
            first_failure = tostring(status) .. " " .. string.gsub(body or "", "\n", " ")
        end
    end
end

local replay_done = done

function done(summary, latency, requests)
    local total_sent, answered, failed, example = 0, 0, 0, ""
    for _, thread in ipairs(threads) do
        total_sent = total_sent + (thread:get("sent") or 0)
        answered = answered + (thread:get("responses") or 0)
        failed = failed + (thread:get("failures") or 0)
        if example == "" then
            example = thread:get("first_failure") or ""
        end
    end
    io.write(string.format("MOAT_BENCH_SIGNUP {\"sent\":%d,\"responses\":%d,\"failures\":%d}\n", total_sent, answered, failed))
    if example ~= "" then
        io.write("MOAT_BENCH_SIGNUP_ERROR " .. example .. "\n")
    end
    replay_done(summary, latency, requests)
end

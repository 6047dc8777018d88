-- wrk script of bench/run.sh step F: GET a path drawn at random from the file BENCH_PATHS (one a line),
-- with the bearer token BENCH_TOKEN; any answer but 200 is counted and printed at the end.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("BENCH_TOKEN")
local failed = 0

function init(args)
    math.randomseed(os.time() + math.floor(os.clock() * 1e6))
    wrk.headers["Authorization"] = "Bearer " .. token
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function response(status, headers, body)
    if status ~= 200 then failed = failed + 1 end
end
local threads = {}
function setup(thread) threads[#threads + 1] = thread end
function done(summary, latency, requests)
    local n = 0
    for _, t in ipairs(threads) do n = n + (t:get("failed") or 0) end
    io.write(string.format("not_200 %d\n", n))
    io.write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
    io.write(string.format("rate %.1f\n", summary.requests / (summary.duration / 1e6)))
end

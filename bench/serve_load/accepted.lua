-- wrk: authenticated triggers for RUNBOOK on NODES nodes, round robin, each
-- thread on its own range; NODES=0: a node never named before on every
-- request. Counts 202 (a new run), 200 (joined a run still active) and
-- anything else.
local threads = {}
local token = os.getenv("NVSX_BENCH_TOKEN")
local nodes = tonumber(os.getenv("NVSX_BENCH_NODES") or "2000")
local runbook = os.getenv("NVSX_BENCH_RUNBOOK") or "quick"

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  fired, joined, other, n = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  n = n + 1
  local node = string.format("bench-%d-%d", id, nodes > 0 and n % nodes or n)
  return wrk.format(nil, "/webhook", nil,
    '{"runbook":"' .. runbook .. '","target_node":"' .. node .. '","source":"bench"}')
end

function response(status, headers, body)
  if status == 202 then fired = fired + 1
  elseif status == 200 then joined = joined + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local f, j, o = 0, 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("fired"); j = j + t:get("joined"); o = o + t:get("other")
  end
  io.write(string.format("fired(202)=%d joined(200)=%d other=%d\n", f, j, o))
end

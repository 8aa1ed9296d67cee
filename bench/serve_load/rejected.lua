-- wrk: triggers without credentials; every answer should be 401.
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  refused, other = 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"runbook":"quick","target_node":"gpu-node-1","source":"bench"}'
end

function response(status, headers, body)
  if status == 401 then refused = refused + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local r, o = 0, 0
  for _, t in ipairs(threads) do r = r + t:get("refused"); o = o + t:get("other") end
  io.write(string.format("refused(401)=%d other=%d\n", r, o))
end

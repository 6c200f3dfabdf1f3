-- wrk script for bench/webhooks.py: send each pre-signed webhook of a plan once, in order, then stop.
--   wrk -t1 -c16 -d600s --timeout 30s -s bench/webhooks.lua <base> -- <plan file> <webhook path> <filler path> <connections> <done file>
-- The plan file has one delivery a line: "<Stripe-Signature>\t<compact JSON body>". Once every
-- delivery is sent, idle connections send the filler (a cheap GET, every 50 ms) until the last
-- webhook answer arrives; then the thread stops. The deliveries' own duration (first send to last
-- answer) is measured here, so the wait for the filler to return does not count. If an answer never
-- comes, the thread stops 10 s after the last one and SENT says how many came. wrk itself runs for
-- its -d duration whatever its threads do: the done file tells bench/webhooks.py to interrupt it.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } hexpack_timespec;
int clock_gettime(int clock, hexpack_timespec *now);
]]
local function now_us()
   local now = ffi.new("hexpack_timespec")
   ffi.C.clock_gettime(1, now)  -- CLOCK_MONOTONIC
   return tonumber(now.tv_sec) * 1000000 + tonumber(now.tv_nsec) / 1000
end
local plan, filler = {}, nil
first_sent, last_answer, fillers_since = 0, 0, 0
sent, answered, fillers = 0, 0, 0
statuses, outcomes = {}, {}
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(args[1], "rb"))
   for line in file:lines() do
      local signature, body = line:match("^([^\t]*)\t(.*)$")
      plan[#plan + 1] = wrk.format("POST", args[2], {
         ["Content-Type"] = "application/json; charset=utf-8",
         ["User-Agent"] = "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
         ["Stripe-Signature"] = signature}, body)
   end
   file:close()
   filler = wrk.format("GET", args[3])
   connections = tonumber(args[4])
   done_file = args[5]
end

function request()
   if not primed then  -- wrk discards the request of its first call (it primes the thread's buffer)
      primed = true
      return filler
   end
   if sent < #plan then
      if sent == 0 then first_sent = now_us() end
      sent = sent + 1
      return plan[sent]
   end
   return filler
end

function delay()
   if #plan == 0 or sent < #plan then return 0 end  -- (an empty plan: /healthz flat out, the ceiling)
   return 50
end

function response(status, headers, body)
   if body:find('"database"', 1, true) then  -- the filler's answer
      fillers = fillers + 1
      fillers_since = fillers_since + 1
      if #plan > 0 and fillers_since > 20 * 10 * connections then finish() end  -- 10 s without an answer
      return
   end
   answered = answered + 1
   fillers_since = 0
   last_answer = now_us()
   statuses[status] = (statuses[status] or 0) + 1
   local outcome = body:match('"outcome"%s*:%s*"([%w_]+)"') or "none"
   outcomes[outcome] = (outcomes[outcome] or 0) + 1
   if answered >= #plan then
      finish()
   end
end

function finish()
   io.open(done_file, "w"):close()
   wrk.thread:stop()
end

function done(summary, latency, requests)
   for _, thread in ipairs(threads) do
      io.write(string.format("SENT %d %d %d\n", thread:get("sent"), thread:get("answered"), thread:get("fillers")))
      io.write(string.format("DELIVERY_US %d\n", thread:get("last_answer") - thread:get("first_sent")))
      for status, count in pairs(thread:get("statuses")) do io.write(string.format("STATUS %s %d\n", status, count)) end
      for outcome, count in pairs(thread:get("outcomes")) do io.write(string.format("OUTCOME %s %d\n", outcome, count)) end
   end
   io.write(string.format("DURATION_US %d\nREQUESTS %d\n", summary.duration, summary.requests))
   for _, p in ipairs({50, 95, 99}) do
      io.write(string.format("LATENCY_US %d %d\n", p, latency:percentile(p)))
   end
   io.write(string.format("LATENCY_US 100 %d\n", latency.max))
   io.write(string.format("ERRORS %d %d %d %d %d\n", summary.errors.connect, summary.errors.read,
                          summary.errors.write, summary.errors.status, summary.errors.timeout))
end

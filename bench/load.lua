-- wrk script for bench/load.py: signed-in clients logging doses and opening Today.
--   TEND_LOAD_CLIENTS   file with one "cookie<TAB>csrf token<TAB>medication id" line a client
--   TEND_LOAD_SCENARIO  "trivial", "healthz", "doses", "today" or "mix" (doses and Today)
--   TEND_LOAD_TRIVIAL   the trivial route (a static file)
-- Each dose gets its own idempotency key (a UUID made of the run, thread and a counter), so
-- every POST creates a dose (201). Any answer but 200 or 201 counts as an error; a redirect to
-- the sign-in page would be one.

local threads = {}
local run_id = tonumber(os.getenv("TEND_LOAD_RUN") or "0")

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

local clients = {}
local counter = 0
ok, bad, created, last_bad = 0, 0, 0, ""

function init(args)
  for line in io.lines(os.getenv("TEND_LOAD_CLIENTS")) do
    local cookie, csrf, med = line:match("^([^\t]+)\t([^\t]+)\t(%d+)$")
    table.insert(clients, {cookie = cookie, csrf = csrf, med = tonumber(med)})
  end
  scenario = os.getenv("TEND_LOAD_SCENARIO")
  trivial = os.getenv("TEND_LOAD_TRIVIAL")
end

local function idempotency_key()
  return string.format("%08x-%04x-4000-8000-%012x", run_id, thread_id, counter)
end

local function dose_request(client)
  local body = string.format(
    '{"idempotency_key":"%s","medication_id":%d,"planned_dose_id":null,"status":"taken"}',
    idempotency_key(), client.med)
  return wrk.format("POST", "/api/v1/doses", {
    ["Cookie"] = client.cookie, ["X-CSRFToken"] = client.csrf,
    ["Content-Type"] = "application/json"}, body)
end

local function today_request(client)
  return wrk.format("GET", "/today", {["Cookie"] = client.cookie})
end

function request()
  counter = counter + 1
  local client = clients[(counter + thread_id) % #clients + 1]
  if scenario == "trivial" then
    return wrk.format("GET", trivial)
  elseif scenario == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif scenario == "doses" or (scenario == "mix" and counter % 2 == 0) then
    return dose_request(client)
  end
  return today_request(client)
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    ok = ok + 1
    if status == 201 then created = created + 1 end
  else
    bad = bad + 1
    last_bad = tostring(status)
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, total_created, last = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
    total_created = total_created + thread:get("created")
    if thread:get("last_bad") ~= "" then last = thread:get("last_bad") end
  end
  io.write(string.format(
    'TEND_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"ok":%d,"bad":%d,"created":%d,"last_bad":"%s","socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), total_ok, total_bad, total_created, last,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

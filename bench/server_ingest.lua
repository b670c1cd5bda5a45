-- wrk -s bench/server_ingest.lua URL: POSTs the pprof in $PROFILE to /ingest, each
-- request a new `from` second (per thread ranges), as an SDK pushing 10-second profiles.
local f = assert(io.open(os.getenv("PROFILE"), "rb"))
local body = f:read("*a")
f:close()
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
function request()
  n = n + 1
  local from = 1700000000 + tid * 10000000 + n
  return wrk.format("POST", "/ingest?name=wrk.cpu&format=pprof&from=" .. from .. "&until=" .. (from + 10),
                    {["Content-Type"] = "application/octet-stream"}, body)
end

-- wrk script for the redirector benchmark: file paths drawn with Zipf
-- popularity (exponent 1) over WM_FILES files named pool/f<ID>.deb, and a
-- client address spread over the whole IPv4 space in X-Forwarded-For.
-- The same script drives every set-up measured, so they see the same load.
local n = tonumber(os.getenv("WM_FILES") or "100000")
-- WM_PACE_MS: each connection waits this long before each request, so the
-- load is offered at a steady rate below what the machine can take, and
-- latency is measured at that load rather than at saturation.
local pace = tonumber(os.getenv("WM_PACE_MS") or "0")
if pace > 0 then
  delay = function() return pace end
end
local cdf = {}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  local sum = 0
  for k = 1, n do
    sum = sum + 1 / k
    cdf[k] = sum
  end
  for k = 1, n do cdf[k] = cdf[k] / sum end
end

local function zipf_rank()
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

request = function()
  -- Spread the popular files over the id space (and the bitmap chunks).
  local id = (zipf_rank() * 7919) % n
  local a = math.random(1, 223)
  if a == 10 or a == 127 then a = a + 1 end
  local ip = a .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("GET", "/pool/f" .. id .. ".deb", { ["X-Forwarded-For"] = ip })
end

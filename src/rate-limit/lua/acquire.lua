--[[
  acquire: take `cost` from the app budget and the account budget of one request together, in one
  atomic step: both are charged or neither is. (Common limiter libraries consume two buckets one
  after the other, so a refusal by the second wastes the first; hence this hand-written script.)

  Time: the caller's injected clock, ARGV[1] (not Redis TIME), so tests need no sleeps. Workers
  must run NTP-synchronised clocks; a skew of s ms shifts windows by s ms.

  Windows (per bucket): a stored hash {we = window end ms, used}. If absent or now >= we, the
  bucket is fresh: used = 0 and a new window would end at
    first-request: now + windowMs        utc-aligned: (floor(now / windowMs) + 1) * windowMs
  A fresh window is written only when the request is granted, so a refusal writes nothing to
  either budget (a refused request never opens a window nor spends budget).

  Order of checks; the refusal reported is the one that lasts longest (when the request could
  next succeed):
    1. blocks (KEYS[3], KEYS[4]): value = blocked-until ms; blocked while now < value.
    2. account: used + cost <= accountLimit.
    3. app:     used + cost <= appLimit.
    4. fairness, only when 1-3 pass (so a client refused by its own budget never counts as
       competing), and only when the app budget is scarce: appLimit - appUsed <= scarceBelow.
       Round-robin by virtual grants (start-time fair queueing):
         - KEYS[6] seen: client -> last asked ms. Clients not seen for activeMs are dropped from
           both sets (at most 100 a call, bounded).
         - KEYS[5] g: client -> virtual grants. A client new to the set starts at the current
           minimum (or 0), so it neither jumps the queue with a burst nor waits behind history.
         - Grant only if g[client] < min(g) + 1, i.e. the client is not ahead of the least-served
           active client; each grant adds cost / weight to g[client] (weight > 1 = larger share).
       So while the budget is scarce, k active clients alternate: a client with 10,000 jobs gets
       one grant per round like a client with 10. A client that stops asking drops out after
       activeMs, so the remaining budget still goes to whoever asks (work-conserving). g is
       updated on every grant, scarce or not, so the fair order carries across windows.
  A null budget (platform has none for this endpoint) has limit -1 and is skipped.

  KEYS[1] app bucket hash          KEYS[2] account bucket hash
  KEYS[3] app block string         KEYS[4] account block string
  KEYS[5] fairness grants zset     KEYS[6] fairness last-seen zset
  (all share the `{<platform>}` hash tag)

  ARGV[1]  nowMs                   ARGV[2]  cost (integer >= 1)
  ARGV[3]  clientId
  ARGV[4]  appLimit (effective; -1 = no app budget)
  ARGV[5]  appWindowMs             ARGV[6]  appAligned (1 = utc-aligned, 0 = first-request)
  ARGV[7]  accountLimit (effective; -1 = no account budget)
  ARGV[8]  accountWindowMs         ARGV[9]  accountAligned
  ARGV[10] scarceBelow (app remaining at or below which fairness applies; 0 = off)
  ARGV[11] activeMs                ARGV[12] weight (> 0)
  ARGV[13] fairRetryMs             ARGV[14] keyTtlSlackMs

  Reply:
    {1, appRemaining, accountRemaining}            granted (-1 for a missing budget)
    {0, reason, retryInMs, resetAtMs}              refused; reason codes:
        1 = app blocked, 2 = account blocked, 3 = account exhausted, 4 = app exhausted,
        5 = fair share (app scarce and this client is ahead)
]]
local appKey, acctKey = KEYS[1], KEYS[2]
local appBlockKey, acctBlockKey = KEYS[3], KEYS[4]
local fairGKey, fairSeenKey = KEYS[5], KEYS[6]

local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local client = ARGV[3]
local appLimit, appWindow, appAligned = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local acctLimit, acctWindow, acctAligned = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local scarceBelow = tonumber(ARGV[10])
local activeMs = tonumber(ARGV[11])
local weight = tonumber(ARGV[12])
local fairRetryMs = tonumber(ARGV[13])
local slackMs = tonumber(ARGV[14])

local function window(key, windowMs, aligned)
  local st = redis.call('HMGET', key, 'we', 'used')
  local we = tonumber(st[1])
  local used = tonumber(st[2]) or 0
  if we == nil or now >= we then
    used = 0
    if aligned == 1 then
      we = (math.floor(now / windowMs) + 1) * windowMs
    else
      we = now + windowMs
    end
  end
  return we, used
end

-- Collect refusals; report the longest.
local bestReason, bestUntil = 0, -1
local function refuse(reason, untilMs)
  if untilMs > bestUntil then
    bestReason, bestUntil = reason, untilMs
  end
end

local appBlocked = tonumber(redis.call('GET', appBlockKey) or '0')
if appBlocked > now then refuse(1, appBlocked) end
local acctBlocked = tonumber(redis.call('GET', acctBlockKey) or '0')
if acctBlocked > now then refuse(2, acctBlocked) end

local acctWe, acctUsed = 0, 0
if acctLimit >= 0 then
  acctWe, acctUsed = window(acctKey, acctWindow, acctAligned)
  if acctUsed + cost > acctLimit then refuse(3, acctWe) end
end

local appWe, appUsed = 0, 0
if appLimit >= 0 then
  appWe, appUsed = window(appKey, appWindow, appAligned)
  if appUsed + cost > appLimit then refuse(4, appWe) end
end

if bestReason ~= 0 then
  return {0, bestReason, bestUntil - now, bestUntil}
end

-- Fairness (see header).
local fairTtl = activeMs + slackMs
if appLimit >= 0 and scarceBelow > 0 then
  redis.call('ZADD', fairSeenKey, now, client)
  local stale = redis.call('ZRANGEBYSCORE', fairSeenKey, '-inf', '(' .. (now - activeMs), 'LIMIT', 0, 100)
  for i = 1, #stale do
    redis.call('ZREM', fairSeenKey, stale[i])
    redis.call('ZREM', fairGKey, stale[i])
  end
  local minRow = redis.call('ZRANGE', fairGKey, 0, 0, 'WITHSCORES')
  local minG = tonumber(minRow[2] or '0')
  local mine = tonumber(redis.call('ZSCORE', fairGKey, client) or '-1')
  if mine < 0 then
    mine = minG
    redis.call('ZADD', fairGKey, mine, client)
  end
  redis.call('PEXPIRE', fairSeenKey, fairTtl)
  redis.call('PEXPIRE', fairGKey, fairTtl)
  if appLimit - appUsed <= scarceBelow and mine >= minG + 1 then
    local untilMs = math.min(now + fairRetryMs, appWe)
    return {0, 5, untilMs - now, untilMs}
  end
end

-- Grant: charge both.
local appRemaining, acctRemaining = -1, -1
if appLimit >= 0 then
  redis.call('HSET', appKey, 'we', appWe, 'used', appUsed + cost)
  redis.call('PEXPIRE', appKey, appWe - now + slackMs)
  appRemaining = appLimit - appUsed - cost
end
if acctLimit >= 0 then
  redis.call('HSET', acctKey, 'we', acctWe, 'used', acctUsed + cost)
  redis.call('PEXPIRE', acctKey, acctWe - now + slackMs)
  acctRemaining = acctLimit - acctUsed - cost
end
if appLimit >= 0 and scarceBelow > 0 then
  redis.call('ZINCRBY', fairGKey, cost / weight, client)
end
return {1, appRemaining, acctRemaining}

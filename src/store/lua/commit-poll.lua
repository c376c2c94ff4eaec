--[[
  commit-poll: commit one polled page atomically — emit the items not seen before, move the
  state (cursor, counters, nextPollAt) and re-score the due index — all or nothing, and only if
  the state is still at the version the job read (a stale job commits nothing).

  The seen ledger holds emitted event ids scored by item time. It is bounded: entries older than
  now - maxAge are trimmed, and past maxCount the oldest go. So that trimming can never let an item
  be emitted twice, an item older than the ledger's horizon (now - maxAge, or the oldest retained
  score while the ledger is full) is not emitted: it is counted in the reply as "beyond horizon".

  KEYS[1]  state key              <prefix>:{k}:state:<stateId>
  KEYS[2]  due key                <prefix>:{k}:due:<platform>
  KEYS[3]  seen key               <prefix>:{k}:seen:<stateId>
  KEYS[4]  outbox stream          <prefix>:{k}:outbox
  KEYS[5]  quarantined items      <prefix>:{k}:quarantined-items
  KEYS[6]  lock key               <prefix>:{k}:lock:<stateId>

  ARGV[1]  stateId
  ARGV[2]  expected version (the version the job read)
  ARGV[3]  new state JSON if at least one event is emitted (version = expected + 1)
  ARGV[4]  its nextPollAt, epoch ms
  ARGV[5]  new state JSON if no event is emitted (the adaptive interval stretches)
  ARGV[6]  its nextPollAt, epoch ms
  ARGV[7]  '1' schedulable (scored in the due set), '0' not (removed from it)
  ARGV[8]  now, epoch ms (injected clock)
  ARGV[9]  ledger max age, ms
  ARGV[10] ledger max count
  ARGV[11] lock token ('' when the caller holds no lock)
  ARGV[12] '1' to release the lock after the commit, '0' to keep it (more pages follow; the due
           index then scores the state no earlier than the lock's expiry)
  ARGV[13] n = number of events
  ARGV[14] q = number of quarantined items
  ARGV[15 .. 14+3n]      per event: event id, item time (epoch ms), event JSON
  ARGV[15+3n .. 14+3n+q] per quarantined item: its JSON record

  Only the script knows which events are new, so the caller passes both possible next states.

  Reply: { 1, emitted, duplicates, beyondHorizon } committed (the state written is ARGV[3] when
         emitted > 0, else ARGV[5]);
         { 0, 0, 0, 0 } version conflict, or the stored value is corrupt (not JSON, or another
                        Redis type than a string): nothing written;
         { -1, 0, 0, 0 } the state no longer exists (nothing written);
         { -2, <Redis type>, 0, 0 } the seen ledger holds another type (nothing written).
  Loops are bounded by n and q (the caller's page size).
]]
local stateKey, dueKey, seenKey, outboxKey, quarantineKey, lockKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local stateId, expected = ARGV[1], ARGV[2]
local jsonIfNew, nextIfNew, jsonIfNone, nextIfNone = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local schedulable, now = ARGV[7], tonumber(ARGV[8])
local maxAge, maxCount = tonumber(ARGV[9]), tonumber(ARGV[10])
local token, release = ARGV[11], ARGV[12]
local n, q = tonumber(ARGV[13]), tonumber(ARGV[14])

local function releaseLock()
  if release == '1' and token ~= '' and redis.call('TYPE', lockKey)['ok'] == 'string'
    and redis.call('GET', lockKey) == token then
    redis.call('DEL', lockKey)
  end
end

local stateType = redis.call('TYPE', stateKey)['ok']
if stateType == 'none' then
  releaseLock()
  return { -1, 0, 0, 0 }
end
if stateType ~= 'string' then
  -- Corrupt (say, a hash under the state key): like undecodable JSON, a conflict; the next
  -- begin-poll reports and quarantines it.
  releaseLock()
  return { 0, 0, 0, 0 }
end
local current = redis.call('GET', stateKey)
local ok, decoded = pcall(cjson.decode, current)
if not ok or type(decoded) ~= 'table' or tostring(decoded['version']) ~= expected then
  releaseLock()
  return { 0, 0, 0, 0 }
end

-- A seen ledger of another Redis type is corrupt: commit nothing (emitting without it could repeat
-- events); the caller pauses the state naming the key.
local seenType = redis.call('TYPE', seenKey)['ok']
if seenType ~= 'zset' and seenType ~= 'none' then
  releaseLock()
  return { -2, seenType, 0, 0 }
end

local horizon = now - maxAge
if redis.call('ZCARD', seenKey) >= maxCount then
  local oldest = redis.call('ZRANGE', seenKey, 0, 0, 'WITHSCORES')
  if oldest[2] and tonumber(oldest[2]) > horizon then horizon = tonumber(oldest[2]) end
end

local emitted, duplicates, beyond = 0, 0, 0
for i = 0, n - 1 do
  local eventId = ARGV[15 + 3 * i]
  local itemTime = tonumber(ARGV[16 + 3 * i])
  local eventJson = ARGV[17 + 3 * i]
  if redis.call('ZSCORE', seenKey, eventId) then
    duplicates = duplicates + 1
  elseif itemTime < horizon then
    beyond = beyond + 1
  else
    redis.call('ZADD', seenKey, itemTime, eventId)
    redis.call('XADD', outboxKey, '*', 'id', eventId, 'state', stateId, 'event', eventJson)
    emitted = emitted + 1
  end
end
for j = 0, q - 1 do
  redis.call('XADD', quarantineKey, 'MAXLEN', '~', 10000, '*', 'state', stateId, 'item', ARGV[15 + 3 * n + j])
end

local stateJson, nextPollAt = jsonIfNone, nextIfNone
if emitted > 0 then stateJson, nextPollAt = jsonIfNew, nextIfNew end
redis.call('SET', stateKey, stateJson)
if schedulable == '1' then
  -- The job keeps its lock for the pages that follow: the state is not due while it walks (else a
  -- scheduler would enqueue jobs that can only find it locked). It is due again once the lock
  -- would expire, so a walk whose worker died is picked up then.
  if release ~= '1' and token ~= '' then
    local ttl = redis.call('PTTL', lockKey)
    if ttl > 0 and now + ttl > tonumber(nextPollAt) then nextPollAt = now + ttl end
  end
  redis.call('ZADD', dueKey, nextPollAt, stateId)
else
  redis.call('ZREM', dueKey, stateId)
end

redis.call('ZREMRANGEBYSCORE', seenKey, '-inf', '(' .. (now - maxAge))
local size = redis.call('ZCARD', seenKey)
if size > maxCount then
  redis.call('ZREMRANGEBYRANK', seenKey, 0, size - maxCount - 1)
end

releaseLock()
return { 1, emitted, duplicates, beyond }

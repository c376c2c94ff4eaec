--[[
  begin-poll: take the per-state poll lock for one job and read the state, in one round trip.
  The lock keeps two live jobs from polling one resource at once; it expires by itself (a dead
  worker never blocks a resource for longer than its TTL). The same job (same token) may take it
  again, so a job retried by BullMQ after a crash is not locked out by its own earlier run.

  KEYS[1]  state key   <prefix>:{k}:state:<stateId>
  KEYS[2]  lock key    <prefix>:{k}:lock:<stateId>

  ARGV[1]  lock token (the job id)
  ARGV[2]  lock TTL, ms (> 0)

  Reply: { 1, <state JSON or false> } lock taken; { 0, false } another job holds the lock;
         { 2, <Redis type> } the state key holds another Redis type than a string (a corrupt
         state: the lock is not taken, the caller reports and quarantines it).
]]
local stateKey, lockKey = KEYS[1], KEYS[2]
local token, ttlMs = ARGV[1], ARGV[2]

local stateType = redis.call('TYPE', stateKey)['ok']
if stateType ~= 'string' and stateType ~= 'none' then
  return { 2, stateType }
end

-- A lock key of another Redis type is junk (locks are short-lived strings): clear it.
local lockType = redis.call('TYPE', lockKey)['ok']
if lockType ~= 'string' and lockType ~= 'none' then
  redis.call('DEL', lockKey)
end

local holder = redis.call('GET', lockKey)
if holder and holder ~= token then
  return { 0, false }
end
redis.call('SET', lockKey, token, 'PX', ttlMs)
return { 1, redis.call('GET', stateKey) }

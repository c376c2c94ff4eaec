--[[
  release-lock: delete a poll lock only if the given token still holds it (a lock taken over by
  another job after it expired is left alone).

  KEYS[1]  lock key   <prefix>:{k}:lock:<stateId>
  ARGV[1]  lock token

  Reply: 1 released; 0 not held by this token.
]]
local lockKey, token = KEYS[1], ARGV[1]
if redis.call('TYPE', lockKey)['ok'] == 'string' and redis.call('GET', lockKey) == token then
  return redis.call('DEL', lockKey)
end
return 0

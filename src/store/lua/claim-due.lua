--[[
  claim-due: atomically take up to N due states of one partition and platform, pushing each one's
  score to the end of a lease, so that no other scheduler can claim it until the lease ends. A claim
  that is never completed (a dead worker) simply expires: the state is due again at leaseUntil.

  KEYS[1]  due key   <prefix>:{k}:due:<platform>

  ARGV[1]  now, epoch ms (from the caller's injected clock)
  ARGV[2]  leaseUntil, epoch ms (> now)
  ARGV[3]  limit (1..10000)

  Reply: flat array { stateId1, previousScore1, stateId2, previousScore2, ... } oldest first.
  Loop bound: limit.
]]
local dueKey = KEYS[1]
local now, leaseUntil, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])

local due = redis.call('ZRANGEBYSCORE', dueKey, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #due, 2 do
  redis.call('ZADD', dueKey, 'XX', leaseUntil, due[i])
end
return due

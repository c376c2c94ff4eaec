--[[
  delete: remove a polling state with everything indexed under it.

  KEYS[1]  state key          <prefix>:{k}:state:<stateId>
  KEYS[2]  seen key           <prefix>:{k}:seen:<stateId>
  KEYS[3]  client key         <prefix>:{k}:client:<clientId> (of the state's client)
  KEYS[4]  quarantine key     <prefix>:{k}:quarantine
  KEYS[5..] due keys          <prefix>:{k}:due:<platform>, one per platform

  ARGV[1]  stateId

  Reply: 1 when a state key existed (whatever its Redis type: a corrupt one is deleted too), 0
  otherwise (the indexes are cleaned either way).
]]
local stateKey, seenKey, clientKey, quarantineKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local stateId = ARGV[1]

local existed = redis.call('DEL', stateKey)
redis.call('DEL', seenKey)
redis.call('SREM', clientKey, stateId)
redis.call('HDEL', quarantineKey, stateId)
for i = 5, #KEYS do
  redis.call('ZREM', KEYS[i], stateId)
end
return existed

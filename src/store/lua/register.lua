--[[
  register: create a polling state if, and only if, none exists for its id (atomic create-if-absent).

  KEYS[1]  state key    <prefix>:{k}:state:<stateId>
  KEYS[2]  due key      <prefix>:{k}:due:<platform>
  KEYS[3]  client key   <prefix>:{k}:client:<clientId>

  ARGV[1]  stateId
  ARGV[2]  state JSON (already validated by the caller)
  ARGV[3]  nextPollAt, epoch ms (score in the due set)

  Reply: { 1, ARGV[2] } when created; { 0, <existing JSON> } when a state already existed (nothing
  is written then); { 0, false, <Redis type> } when the key holds another Redis type than a string
  (a corrupt state; nothing is written). No error replies.
]]
local stateKey, dueKey, clientKey = KEYS[1], KEYS[2], KEYS[3]
local stateId, json, nextPollAt = ARGV[1], ARGV[2], ARGV[3]

local created = redis.call('SET', stateKey, json, 'NX')
if not created then
  local stateType = redis.call('TYPE', stateKey)['ok']
  if stateType ~= 'string' then return { 0, false, stateType } end
  return { 0, redis.call('GET', stateKey) }
end
redis.call('ZADD', dueKey, nextPollAt, stateId)
redis.call('SADD', clientKey, stateId)
return { 1, json }

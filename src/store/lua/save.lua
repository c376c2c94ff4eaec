--[[
  save: write a polling state, keep the due index and the client index in step, optionally only if
  the stored version is the expected one (optimistic concurrency).

  KEYS[1]  state key    <prefix>:{k}:state:<stateId>
  KEYS[2]  due key      <prefix>:{k}:due:<platform>
  KEYS[3]  client key   <prefix>:{k}:client:<clientId>

  ARGV[1]  stateId
  ARGV[2]  state JSON (already validated by the caller)
  ARGV[3]  nextPollAt, epoch ms
  ARGV[4]  '1' when the state is schedulable (active, backing_off): scored in the due set;
           '0' (needs_reauth, paused): removed from the due set
  ARGV[5]  expected current version, or '' for an unconditional write

  Reply: 1 written; 0 version conflict, or the stored value is corrupt (not JSON, or another Redis
  type than a string) — nothing written; -1 expected a version but no state exists.
]]
local stateKey, dueKey, clientKey = KEYS[1], KEYS[2], KEYS[3]
local stateId, json, nextPollAt, schedulable, expected = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

if expected ~= '' then
  local stateType = redis.call('TYPE', stateKey)['ok']
  if stateType == 'none' then return -1 end
  if stateType ~= 'string' then return 0 end
  local current = redis.call('GET', stateKey)
  if not current then return -1 end
  local ok, decoded = pcall(cjson.decode, current)
  if not ok or type(decoded) ~= 'table' or tostring(decoded['version']) ~= expected then
    return 0
  end
end

redis.call('SET', stateKey, json)
if schedulable == '1' then
  redis.call('ZADD', dueKey, nextPollAt, stateId)
else
  redis.call('ZREM', dueKey, stateId)
end
redis.call('SADD', clientKey, stateId)
return 1

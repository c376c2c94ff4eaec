--[[
  feedback: correct one bucket from what the platform reported after a (non-429) response.
  - remaining: the platform has used at least `rawLimit - remaining` of this window, so
    used = max(used, rawLimit - remaining). Only ever lowers our budget: a higher remaining is not
    trusted because requests granted but not yet answered are not in it.
  - resetAtMs in the future: the platform's window ends then (X's x-rate-limit-reset), so the
    window end moves there (earlier or later); a past reset is stale and ignored.
  With no open window and no future reset, the report is about a window that has ended (a late
  response) and is ignored. Nothing is written when nothing changes.

  Time: the caller's injected clock, ARGV[1] (not Redis TIME). Same window rules as acquire.lua.

  KEYS[1] bucket hash {we, used} (app or account; `{<platform>}` hash tag)

  ARGV[1] nowMs
  ARGV[2] rawLimit (the configured limit, before the safety margin)
  ARGV[3] remaining (-1 = not reported)
  ARGV[4] resetAtMs (-1 = not reported)
  ARGV[5] windowMs          ARGV[6] aligned (1 = utc-aligned, 0 = first-request)
  ARGV[7] keyTtlSlackMs

  Reply: {changed (0|1), used, windowEndMs (-1 when ignored)}
]]
local key = KEYS[1]
local now = tonumber(ARGV[1])
local rawLimit = tonumber(ARGV[2])
local remaining = tonumber(ARGV[3])
local resetAt = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local aligned = tonumber(ARGV[6])
local slackMs = tonumber(ARGV[7])

local st = redis.call('HMGET', key, 'we', 'used')
local we = tonumber(st[1])
local used = tonumber(st[2]) or 0
local changed = 0
if we == nil or now >= we then
  if resetAt <= now then
    return {0, 0, -1}
  end
  used = 0
  if aligned == 1 then
    we = (math.floor(now / windowMs) + 1) * windowMs
  else
    we = now + windowMs
  end
end

if resetAt > now and resetAt ~= we then
  we = resetAt
  changed = 1
end
if remaining >= 0 and rawLimit - remaining > used then
  used = rawLimit - remaining
  changed = 1
end

if changed == 1 then
  redis.call('HSET', key, 'we', we, 'used', used)
  redis.call('PEXPIRE', key, we - now + slackMs)
end
return {changed, used, we}

--[[
  block: refuse every request charged to one bucket until a moment (after a 429), whatever the
  bucket's count says. Blocks are kept in ms and compared with the caller's clock, so a 300 ms
  block lasts 300 ms (the key's PX lifetime is only garbage collection and has slack added).
  A block is never shortened: a longer block already in place wins.

  Time: the caller's injected clock, ARGV[1] (not Redis TIME).

  Until when:
    ARGV[2] > 0                  -> that moment (reset / Retry-After, resolved by the caller)
    else ARGV[3] > 0 (cool-down) -> now + cool-down (TikTok Business: 5 min)
    else                         -> end of the bucket's open window if it is open, else the end
                                    of the window a request now would open (utc-aligned day:
                                    next 00:00 UTC; first-request: now + windowMs)

  KEYS[1] block string (value = blocked until, epoch ms)
  KEYS[2] the bucket hash {we, used} it blocks (read only)

  ARGV[1] nowMs              ARGV[2] untilMs (-1 = not given)
  ARGV[3] cooldownMs (-1 = none)
  ARGV[4] windowMs           ARGV[5] aligned (1 = utc-aligned, 0 = first-request)
  ARGV[6] keyTtlSlackMs

  Reply: blocked until (epoch ms, integer)
]]
local blockKey, bucketKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local untilMs = tonumber(ARGV[2])
local cooldownMs = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local aligned = tonumber(ARGV[5])
local slackMs = tonumber(ARGV[6])

if untilMs <= 0 then
  if cooldownMs > 0 then
    untilMs = now + cooldownMs
  else
    local we = tonumber(redis.call('HGET', bucketKey, 'we') or '0')
    if we > now then
      untilMs = we
    elseif aligned == 1 then
      untilMs = (math.floor(now / windowMs) + 1) * windowMs
    else
      untilMs = now + windowMs
    end
  end
end

local existing = tonumber(redis.call('GET', blockKey) or '0')
if existing > untilMs then
  untilMs = existing
end
if untilMs > now then
  redis.call('SET', blockKey, untilMs, 'PX', math.ceil(untilMs - now + slackMs))
end
return untilMs

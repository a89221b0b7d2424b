"""The server-side steps of the fleet protocol, as Lua run by Redis.

Redis runs a script atomically: no other command runs between its first and
last line (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
So "is the lease still mine, then extend it", "is the record still the version
I read, then replace it and tell everyone" are each one indivisible step. Every
key a script touches is passed in KEYS and shares the ``{key}`` hash tag, so
each script runs on one Redis Cluster slot. Scripts read only the record's
header (``redis_records``): they never see a token in clear or decide anything
about its contents.

Replies are arrays of integers and strings, never a Lua ``false`` inside an
array (it would end the array early).
"""

from __future__ import annotations

# KEYS[1] record. ARGV[1] largest record read whole.
# -> {0} absent | {1, value} | {2, version} too large to be ours (only its header read).
READ = """
local n = redis.call('STRLEN', KEYS[1])
if n == 0 then return {0} end
if n > tonumber(ARGV[1]) then return {2, redis.call('GETRANGE', KEYS[1], 0, 31)} end
return {1, redis.call('GET', KEYS[1])}
"""

# KEYS[1] lease, KEYS[2] record. ARGV[1] owner, ARGV[2] lease ms, ARGV[3] largest
# record, ARGV[4] an earlier owner value of the same process whose release got
# no answer ('' if none; absent from older callers).
# Take the lease if it is free (set-if-absent with an expiry), or keep it if it
# is still ours, and read the record in the same step: what the holder decides
# on is the record as of holding the lease. A holder reads again through this
# script too, so one whose lease lapsed and went to another process learns it
# before deciding anything on what it read. A lease still holding ARGV[4] is
# this process's own, left by a release that never arrived: taken over.
# -> {1, 0} held, absent | {1, 1, value} | {1, 2, version} | {0, pttl ms} held by another.
ACQUIRE = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif held and ARGV[4] and ARGV[4] ~= '' and held == ARGV[4] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
local n = redis.call('STRLEN', KEYS[2])
if n == 0 then return {1, 0} end
if n > tonumber(ARGV[3]) then return {1, 2, redis.call('GETRANGE', KEYS[2], 0, 31)} end
return {1, 1, redis.call('GET', KEYS[2])}
"""

# KEYS[1] lease. ARGV[1] owner, ARGV[2] lease ms. Only the owner extends. -> 1 | 0
EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1] lease. ARGV[1] owner, ARGV[2] channel. Only the owner releases; the
# waiters are told at once rather than at their next poll. -> 1 | 0
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'unlock')
  return 1
end
return 0
"""

# KEYS[1] record. ARGV[1] the version read ('*': write whatever is there),
# ARGV[2] the new record, ARGV[3] channel, ARGV[4] message.
# The compare-and-set: write only over the version read, or over a demotion of
# it (a refresh token Box refused, dropped by a process that read the same
# version) unless this write is itself a demotion. Then tell every process.
# -> {1} written | {0, current version} refused.
WRITE = """
if ARGV[1] ~= '*' then
  local cur = redis.call('GET', KEYS[1])
  local v, parent, flag = '', '', ''
  if cur then
    v = string.sub(cur, 1, 32)
    parent = string.sub(cur, 33, 64)
    flag = string.sub(cur, 65, 65)
  end
  local demoting = string.sub(ARGV[2], 65, 65) == 'd'
  if v ~= ARGV[1] and not (flag == 'd' and parent == ARGV[1] and not demoting) then
    return {0, v}
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {1}
"""

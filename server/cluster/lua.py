"""The Lua scripts that make each directory and registry step one atomic Redis operation.

Every script gets the key prefix as ``ARGV[1]`` and builds key names from it (see
``redis_link``); that needs a standalone Redis (or Sentinel), not Redis Cluster. Times come
from Redis's own clock (``TIME``), so nodes with skewed clocks still agree on expiries.

A room hash holds ``id code game public players max_players spectators started node skey
state created`` (and ``spec`` while opening); ``public`` and ``started`` are ``"1"``/``"0"``,
``state`` is ``"live"`` or ``"opening"`` (a quick-join placeholder the owner has not created
yet). Seats taken = ``players`` + live holds; a room is in its ``open`` set while that is
below ``max_players``, else in its ``full`` set until its first hold expires.
"""

from __future__ import annotations

PRELUDE = r"""
local P = ARGV[1]

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function now_ms()
  return math.floor(now_us() / 1000)
end

local function alive(node)
  return redis.call('EXISTS', P .. 'node:' .. node) == 1
end

local function read(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function flat(t)
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = k; out[#out + 1] = v end
  return out
end

local function quick_sets(r)
  local suffix = r.game .. ':' .. r.skey
  return P .. 'open:' .. suffix, P .. 'full:' .. suffix
end

-- The live holds of a room, expired ones dropped.
local function prune(id, now)
  local holds = P .. 'room:' .. id .. ':holds'
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
  return redis.call('ZCARD', holds)
end

-- File a public room under open or full by its seats taken (players + held).
local function place(id, r, held)
  if r.public ~= '1' then return end
  local open, full = quick_sets(r)
  local taken = tonumber(r.players) + held
  if taken < tonumber(r.max_players) then
    redis.call('ZADD', open, taken, id)
    redis.call('ZREM', full, id)
  else
    redis.call('ZREM', open, id)
    if held > 0 then
      local first = redis.call('ZRANGE', P .. 'room:' .. id .. ':holds', 0, 0, 'WITHSCORES')
      redis.call('ZADD', full, first[2], id)
    else
      redis.call('ZREM', full, id)
    end
  end
end

local function reindex(id, r, now)
  local held = prune(id, now)
  place(id, r, held)
  return held
end

local function announce(r)
  if r.public ~= '1' or r.state ~= 'live' then return end
  redis.call('PUBLISH', P .. 'listings', cjson.encode({op = 'put', room = {
    id = r.id, code = r.code, game = r.game, public = true,
    players = tonumber(r.players), max_players = tonumber(r.max_players),
    spectators = tonumber(r.spectators), started = r.started == '1'}}))
end

local function drop(id)
  local key = P .. 'room:' .. id
  local r = read(key)
  if not r then return 0 end
  redis.call('DEL', key, key .. ':holds')
  local code = P .. 'code:' .. r.code
  if redis.call('GET', code) == id then redis.call('DEL', code) end
  local open, full = quick_sets(r)
  redis.call('ZREM', open, id)
  redis.call('ZREM', full, id)
  redis.call('ZREM', P .. 'public', id)
  redis.call('ZREM', P .. 'public:' .. r.game, id)
  redis.call('SREM', P .. 'node:' .. r.node .. ':rooms', id)
  if r.public == '1' and r.state == 'live' then
    redis.call('PUBLISH', P .. 'listings', cjson.encode({op = 'remove', id = id}))
  end
  return 1
end

local function drop_node(node)
  local rooms = P .. 'node:' .. node .. ':rooms'
  local dropped = 0
  for _, id in ipairs(redis.call('SMEMBERS', rooms)) do dropped = dropped + drop(id) end
  redis.call('DEL', rooms)
  redis.call('SREM', P .. 'nodes', node)
  return dropped
end
"""


def _script(body: str) -> str:
    return PRELUDE + body


# ARGV: P, id, code, game, public, players, max_players, spectators, started, node, skey
CLAIM = _script(r"""
local id, code, node = ARGV[2], ARGV[3], ARGV[10]
local key, code_key = P .. 'room:' .. id, P .. 'code:' .. ARGV[3]
local holder = redis.call('GET', code_key)
if holder and holder ~= id then return 0 end
local r = read(key)
if r and r.node ~= node then return 0 end
local created = (r and r.created) or string.format('%d', now_us())
r = {id = id, code = code, game = ARGV[4], public = ARGV[5], players = ARGV[6],
     max_players = ARGV[7], spectators = ARGV[8], started = ARGV[9], node = node,
     skey = ARGV[11], state = 'live', created = created}
redis.call('HDEL', key, 'spec')
redis.call('HSET', key, unpack(flat(r)))
redis.call('PERSIST', key)
redis.call('PERSIST', key .. ':holds')
redis.call('SET', code_key, id)
redis.call('SADD', P .. 'node:' .. node .. ':rooms', id)
if r.public == '1' then
  redis.call('ZADD', P .. 'public', created, id)
  redis.call('ZADD', P .. 'public:' .. r.game, created, id)
end
reindex(id, r, now_ms())
announce(r)
return 1
""")

# ARGV: P, id, players, max_players, spectators, started, consumed hold ids...
# An unchanged listing costs one read and publishes nothing.
UPDATE = _script(r"""
local id = ARGV[2]
local key = P .. 'room:' .. id
local r = read(key)
if not r or r.state ~= 'live' then return 0 end
if #ARGV == 6 and r.players == ARGV[3] and r.max_players == ARGV[4]
    and r.spectators == ARGV[5] and r.started == ARGV[6] then
  return 0
end
r.players, r.max_players, r.spectators, r.started = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
redis.call('HSET', key, 'players', r.players, 'max_players', r.max_players,
           'spectators', r.spectators, 'started', r.started)
for i = 7, #ARGV do redis.call('ZREM', key .. ':holds', ARGV[i]) end
reindex(id, r, now_ms())
announce(r)
return 1
""")

# ARGV: P, id
REMOVE = _script("return drop(ARGV[2])")

# ARGV: P, 'code' | 'id', value. A live room of a live node, as a flat hash, or nil.
LOOKUP = _script(r"""
local id = ARGV[3]
if ARGV[2] == 'code' then id = redis.call('GET', P .. 'code:' .. ARGV[3]) end
if not id then return nil end
local r = read(P .. 'room:' .. id)
if not r or r.state ~= 'live' or not alive(r.node) then return nil end
return flat(r)
""")

# ARGV: P, game ('' for all), limit, open_only ('1'/'0'). Flat hashes in creation order.
PUBLIC = _script(r"""
local index = P .. 'public'
if ARGV[2] ~= '' then index = index .. ':' .. ARGV[2] end
local limit, open_only = tonumber(ARGV[3]), ARGV[4] == '1'
local out, nodes, start = {}, {}, 0
while #out < limit do
  local ids = redis.call('ZRANGE', index, start, start + 99)
  if #ids == 0 then break end
  start = start + 100
  for _, id in ipairs(ids) do
    local r = read(P .. 'room:' .. id)
    if r then
      if nodes[r.node] == nil then nodes[r.node] = alive(r.node) end
      if nodes[r.node] and not (open_only and tonumber(r.players) >= tonumber(r.max_players))
      then
        out[#out + 1] = flat(r)
        if #out >= limit then break end
      end
    end
  end
end
return out
""")

# ARGV: P, game, skey, max_players, hold, hold_ms, opening_ms, new id, new code, spec,
#       candidate nodes...
# Returns {'seat' | 'open', room id, node, code}, {'code_taken'} or {'no_node'}.
QUICK_SEAT = _script(r"""
local game, skey, max_players, hold = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local hold_ms, opening_ms = tonumber(ARGV[6]), tonumber(ARGV[7])
local now = now_ms()
local open, full = quick_sets({game = game, skey = skey})
for _, id in ipairs(redis.call('ZRANGEBYSCORE', full, '-inf', now, 'LIMIT', 0, 100)) do
  local r = read(P .. 'room:' .. id)
  if r then reindex(id, r, now) else redis.call('ZREM', full, id) end
end
-- Scores never undercount seats taken (holds only expire), so stop at a score the best
-- exact count already reaches.
local best, best_taken, best_held, best_room = nil, -1, 0, nil
local ranked = redis.call('ZREVRANGE', open, 0, 49, 'WITHSCORES')
for i = 1, #ranked, 2 do
  local id = ranked[i]
  if tonumber(ranked[i + 1]) <= best_taken then break end
  local r = read(P .. 'room:' .. id)
  if not r then
    redis.call('ZREM', open, id)
  elseif alive(r.node) then
    local held = reindex(id, r, now)
    local taken = tonumber(r.players) + held
    if taken < tonumber(r.max_players) and taken > best_taken then
      best, best_taken, best_held, best_room = id, taken, held, r
    end
  end
end
if best then
  local key = P .. 'room:' .. best
  redis.call('ZADD', key .. ':holds', now + hold_ms, hold)
  if best_room.state == 'opening' then
    redis.call('PEXPIRE', key, opening_ms)
    redis.call('PEXPIRE', key .. ':holds', opening_ms)
    redis.call('PEXPIRE', P .. 'code:' .. best_room.code, opening_ms)
  end
  place(best, best_room, best_held + 1)
  return {'seat', best, best_room.node, best_room.code}
end
local node = nil
for i = 11, #ARGV do
  if alive(ARGV[i]) then node = ARGV[i]; break end
end
if not node then return {'no_node'} end
local id, code = ARGV[8], ARGV[9]
local code_key = P .. 'code:' .. code
if redis.call('SET', code_key, id, 'NX', 'PX', opening_ms) == false then return {'code_taken'} end
local key = P .. 'room:' .. id
local r = {id = id, code = code, game = game, public = '1', players = '0',
           max_players = max_players, spectators = '0', started = '0', node = node,
           skey = skey, state = 'opening', created = string.format('%d', now_us()),
           spec = ARGV[10]}
redis.call('HSET', key, unpack(flat(r)))
redis.call('PEXPIRE', key, opening_ms)
redis.call('ZADD', key .. ':holds', now + hold_ms, hold)
redis.call('PEXPIRE', key .. ':holds', opening_ms)
redis.call('SADD', P .. 'node:' .. node .. ':rooms', id)
place(id, r, 1)
return {'open', id, node, code}
""")

# ARGV: P, id, code, game, public, max_players, node, skey, spec, hold, hold_ms, opening_ms
# A placeholder for a room created through another node: like QUICK_SEAT's, with the
# creator's hold, but never offered to quick join before it is live.
# Returns 'ok', 'code_taken' or 'no_node'.
OPEN_ROOM = _script(r"""
local id, code, node = ARGV[2], ARGV[3], ARGV[7]
if not alive(node) then return 'no_node' end
local opening_ms = tonumber(ARGV[12])
local code_key = P .. 'code:' .. code
if redis.call('SET', code_key, id, 'NX', 'PX', opening_ms) == false then return 'code_taken' end
local key = P .. 'room:' .. id
local r = {id = id, code = code, game = ARGV[4], public = ARGV[5], players = '0',
           max_players = ARGV[6], spectators = '0', started = '0', node = node,
           skey = ARGV[8], state = 'opening', created = string.format('%d', now_us()),
           spec = ARGV[9]}
redis.call('HSET', key, unpack(flat(r)))
redis.call('PEXPIRE', key, opening_ms)
redis.call('ZADD', key .. ':holds', now_ms() + tonumber(ARGV[11]), ARGV[10])
redis.call('PEXPIRE', key .. ':holds', opening_ms)
redis.call('SADD', P .. 'node:' .. node .. ':rooms', id)
return 'ok'
""")

# ARGV: P, id, hold, hold_ms. Holds a seat in a live room: {'ok', flat hash}, {'full'} or
# {'not_found'}.
RESERVE = _script(r"""
local id = ARGV[2]
local key = P .. 'room:' .. id
local r = read(key)
if not r or r.state ~= 'live' or not alive(r.node) then return {'not_found'} end
local now = now_ms()
local held = prune(id, now)
if tonumber(r.players) + held >= tonumber(r.max_players) then return {'full'} end
redis.call('ZADD', key .. ':holds', now + tonumber(ARGV[4]), ARGV[3])
place(id, r, held + 1)
return {'ok', flat(r)}
""")

# ARGV: P, id. An opening placeholder as a flat hash, or nil.
OPENING = _script(r"""
local r = read(P .. 'room:' .. ARGV[2])
if not r or r.state ~= 'opening' then return nil end
return flat(r)
""")

# ARGV: P, node, ttl_ms, protocol, fingerprint, instance, fresh ('1'/'0'), field, value, ...
# Returns 'ok', 'taken' (a live process with another instance id holds the node id) or
# {protocol, fingerprint} of the cluster when they differ from the node's. A fresh process
# first drops rooms a dead predecessor with its id left behind.
REGISTER = _script(r"""
local node, ttl = ARGV[2], tonumber(ARGV[3])
redis.call('HSETNX', P .. 'cluster', 'protocol', ARGV[4])
redis.call('HSETNX', P .. 'cluster', 'fingerprint', ARGV[5])
local cluster = redis.call('HMGET', P .. 'cluster', 'protocol', 'fingerprint')
if cluster[1] ~= ARGV[4] or cluster[2] ~= ARGV[5] then return cluster end
local key = P .. 'node:' .. node
local holder = redis.call('HGET', key, 'instance')
if holder and holder ~= ARGV[6] then return 'taken' end
if ARGV[7] == '1' then drop_node(node) end
redis.call('DEL', key)
redis.call('HSET', key, 'instance', ARGV[6], unpack(ARGV, 8))
redis.call('PEXPIRE', key, ttl)
redis.call('SADD', P .. 'nodes', node)
return 'ok'
""")

# ARGV: P. The live nodes, each a flat hash.
NODES = _script(r"""
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  local info = redis.call('HGETALL', P .. 'node:' .. node)
  if #info > 0 then out[#out + 1] = info end
end
return out
""")

# ARGV: P, node, instance, ttl_ms, sweep_ms, field, value, ...
# Refreshes the node's key, and sweeps dead nodes when no other node did this interval.
# Returns -1 (not registered), -2 (another instance holds the id) or {rooms swept, dead
# node ids...}.
HEARTBEAT = _script(r"""
local node = ARGV[2]
local key = P .. 'node:' .. node
local instance = redis.call('HGET', key, 'instance')
if not instance then return -1 end
if instance ~= ARGV[3] then return -2 end
redis.call('HSET', key, unpack(ARGV, 6))
redis.call('PEXPIRE', key, tonumber(ARGV[4]))
local answer = {0}
if redis.call('SET', P .. 'sweeping', node, 'NX', 'PX', tonumber(ARGV[5])) then
  for _, other in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
    if not alive(other) then
      answer[1] = answer[1] + drop_node(other)
      answer[#answer + 1] = other
    end
  end
end
return answer
""")

# ARGV: P, node, instance. Removes the node and all its rooms (clean stop).
LEAVE = _script(r"""
local key = P .. 'node:' .. ARGV[2]
local instance = redis.call('HGET', key, 'instance')
if instance and instance ~= ARGV[3] then return 0 end
redis.call('DEL', key)
return drop_node(ARGV[2])
""")

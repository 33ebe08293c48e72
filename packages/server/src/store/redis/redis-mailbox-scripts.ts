/**
 * The mailbox's atomic steps as Lua scripts: Redis runs a script alone, so each check and the
 * writes it allows happen together, whichever instance sends it. Keys (prefix omitted):
 *
 *   offer:<id>        hash  s sealed (absent while reserved), o owner token hash, e expiresAt,
 *                           r its reply's code; expires at e
 *   offer-gone:<id>   "1"   set with the offer, lives until e + tombstone TTL: tells an expired
 *                           id from an unknown one, and keeps the id from being drawn again;
 *                           "withdrawn" once its owner withdrew it
 *   reply:<code>      hash  s sealed, f offer id (if any), e expiresAt; expires at e
 *   reply-gone:<code> "expired" set with the reply, "read" once taken; until e + tombstone TTL
 *   offers, replies   sorted sets of live ids and codes by expiry, for counts and limits
 *
 * Times are milliseconds since the epoch from the instance's clock (ARGV), as in memory.
 */

/** What an offer id whose hash is gone was: its tombstone's word, or 'missing'. */
const GONE = `
local function gone(key)
  local g = redis.call('GET', key)
  if g == 'withdrawn' then return 'withdrawn' end
  if g then return 'expired' end
  return 'missing'
end
`;

const TAKE = `
local function take(replyKey, goneKey, repliesKey, code, now, ttl)
  local f = redis.call('HMGET', replyKey, 's', 'f', 'e')
  if f[3] then
    local e = tonumber(f[3])
    redis.call('DEL', replyKey)
    redis.call('ZREM', repliesKey, code)
    if e <= now then return {'expired'} end
    redis.call('SET', goneKey, 'read', 'PXAT', string.format('%d', math.max(e, now) + ttl))
    return {'taken', f[1], f[2] or '', f[3], code}
  end
  local gone = redis.call('GET', goneKey)
  if not gone then return {'missing'} end
  if gone == 'read' then return {'already-read'} end
  return {'expired'}
end
`;

/** KEYS offer, offer-gone, offers. ARGV id, expiresAt, owner hash, tombstone ms, now, max[, sealed]. */
export const PUT_OFFER = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 'id-taken' end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return 'full' end
redis.call('HSET', KEYS[1], 'o', ARGV[3], 'e', ARGV[2])
if #ARGV >= 7 then redis.call('HSET', KEYS[1], 's', ARGV[7]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '1', 'PXAT', string.format('%d', tonumber(ARGV[2]) + tonumber(ARGV[4])))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 'stored'
`;

/** KEYS offer, offer-gone. ARGV now. */
export const GET_OFFER = `${GONE}
local f = redis.call('HMGET', KEYS[1], 's', 'o', 'e')
if not f[3] then return {gone(KEYS[2])} end
if tonumber(f[3]) <= tonumber(ARGV[1]) then return {'expired'} end
if f[1] then return {'live', f[2], f[3], f[1]} end
return {'live', f[2], f[3]}
`;

/** KEYS offer, offer-gone. ARGV now, sealed, events channel, event. */
export const SET_OFFER_SEALED = `${GONE}
local e = redis.call('HGET', KEYS[1], 'e')
if not e then return gone(KEYS[2]) end
if tonumber(e) <= tonumber(ARGV[1]) then return 'expired' end
if redis.call('HEXISTS', KEYS[1], 's') == 1 then return 'already-set' end
redis.call('HSET', KEYS[1], 's', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 'stored'
`;

/**
 * KEYS reply, reply-gone, replies, offer, offer-gone, offers.
 * ARGV code, expiresAt, tombstone ms, now, max, sealed, offer id ('' for none), channel, event.
 */
export const PUT_REPLY = `${GONE}
local now = tonumber(ARGV[4])
local offerExpiry = nil
if ARGV[7] ~= '' then
  local f = redis.call('HMGET', KEYS[4], 's', 'e', 'r')
  if not f[2] then return 'offer-' .. gone(KEYS[5]) end
  if tonumber(f[2]) <= now then return 'offer-expired' end
  if f[3] then return 'offer-answered' end
  if not f[1] then return 'offer-not-set' end
  offerExpiry = tonumber(f[2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then return 'full' end
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 'code-taken' end
local e = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 's', ARGV[6], 'e', ARGV[2])
if offerExpiry then redis.call('HSET', KEYS[1], 'f', ARGV[7]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], 'expired', 'PXAT', string.format('%d', e + ttl))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if offerExpiry then
  local until_ = string.format('%d', math.max(offerExpiry, e))
  redis.call('HSET', KEYS[4], 'r', ARGV[1], 'e', until_)
  redis.call('PEXPIREAT', KEYS[4], until_)
  redis.call('SET', KEYS[5], '1', 'PXAT', string.format('%d', math.max(offerExpiry, e) + ttl))
  redis.call('ZADD', KEYS[6], until_, ARGV[7])
  redis.call('PUBLISH', ARGV[8], ARGV[9])
end
return 'stored'
`;

/** KEYS reply, reply-gone, replies. ARGV code, now, tombstone ms. */
export const TAKE_REPLY = `${TAKE}
return take(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
`;

/**
 * KEYS offer, offer-gone, replies. ARGV now, tombstone ms, key prefix. The reply's keys come
 * from the offer, so they cannot be declared: fine on one Redis, not on Redis Cluster.
 */
export const TAKE_REPLY_FOR_OFFER = `${TAKE}${GONE}
local now = tonumber(ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'e', 'r')
if not f[1] then return {gone(KEYS[2])} end
if tonumber(f[1]) <= now then return {'expired'} end
if not f[2] then return {'pending'} end
return take(ARGV[3] .. 'reply:' .. f[2], ARGV[3] .. 'reply-gone:' .. f[2], KEYS[3], f[2], now, tonumber(ARGV[2]))
`;

/**
 * KEYS offer, offer-gone, offers. ARGV id, now, tombstone ms, channel, offer event, reply event.
 * Wakes both waits: B's for the blob and A's for the reply.
 */
export const WITHDRAW_OFFER = `${GONE}
local e = redis.call('HGET', KEYS[1], 'e')
if not e then
  local was = gone(KEYS[2])
  if was == 'withdrawn' then return 'withdrawn' end
  return was
end
local now = tonumber(ARGV[2])
if tonumber(e) <= now then return 'expired' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SET', KEYS[2], 'withdrawn', 'PXAT', string.format('%d', math.max(tonumber(e), now) + tonumber(ARGV[3])))
redis.call('PUBLISH', ARGV[4], ARGV[5])
redis.call('PUBLISH', ARGV[4], ARGV[6])
return 'withdrawn'
`;

/** KEYS offers, replies. ARGV now. */
export const COUNTS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
`;

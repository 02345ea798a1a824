/**
 * The Lua scripts behind the cluster's room listing (`ActorRedisDriver`).
 *
 * Listings are written and removed only while they name the node doing it: a node
 * that was cut off never deletes or overwrites the listing of the actor another node
 * re-created under the same deterministic id in the meantime.
 *
 * Beside the listing hash, each node's index (`listedKey`) names the actors it
 * listed, so a sweep of a dead node reads that node's actors alone instead of the
 * whole cluster's listing. The index may name more than the node lists now (an
 * actor gone while Redis was away, one another node took over): a sweep checks
 * each listing's owner as it is. It always holds `INDEX_MARK`, so a node that
 * keeps one is told from a node that never did.
 */

/** Always in a node's index: the index exists once the node listed an actor. */
export const INDEX_MARK = '';

// Whether a listing's JSON names the node `node` (a listing that does not decode names none).
const NAMES_NODE = `
local function names(raw, node)
  local ok, listing = pcall(cjson.decode, raw)
  return ok and listing.processId == node
end
`;

/** The set of the actor ids a node listed. */
export function listedKey(processId: string): string {
  return `kismet:listed:${processId}`;
}

// KEYS: the listing hash, this node's index, this node's lease. ARGV: room id, listing JSON.
// -1: the node holds no lease (Redis lost it, or it lapsed), and lists nothing new.
export const INSERT_OWN = `
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[2], '${INDEX_MARK}', ARGV[1])
return 1
`;

// KEYS: the listing hash, this node's index. ARGV: room id, process id.
export const REMOVE_OWN = `${NAMES_NODE}
redis.call('SREM', KEYS[2], ARGV[1])
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if names(raw, ARGV[2]) then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return -1
`;

// KEYS: the listing hash, this node's index. ARGV: room id, process id, listing JSON, '1' when the listing may be created.
export const WRITE_OWN = `${NAMES_NODE}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  if not names(raw, ARGV[2]) then return -1 end
elseif ARGV[4] ~= '1' then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], '${INDEX_MARK}', ARGV[1])
return 1
`;

// KEYS: the listing hash, the dead node's lease, its index. ARGV: its process id, then room ids;
// none: the index is done with, and goes.
export const REMOVE_DEAD_NODES = `${NAMES_NODE}
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if #ARGV == 1 then
  redis.call('DEL', KEYS[3])
  return 0
end
local removed = 0
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw and names(raw, ARGV[1]) then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed = removed + 1
  end
  redis.call('SREM', KEYS[3], ARGV[i])
end
return removed
`;

// KEYS: this node's index. Drops it when it names no actor any more (a node that stops).
export const DROP_EMPTY_INDEX = `
if redis.call('SCARD', KEYS[1]) <= 1 then return redis.call('DEL', KEYS[1]) end
return 0
`;

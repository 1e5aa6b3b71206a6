-- Job ARGV[5] (token ARGV[6]) asks for children first: it waits in waiting-children for
-- the ARGV[7] trees that follow (fallbackId n records... each), and runs again, seeing their
-- results, once they all completed. A child failing for good fails it (child_failed).
local id, token, trees = ARGV[5], ARGV[6], tonumber(ARGV[7])
if not holdsLease(id, token) then return 0 end
endLease(id)
setState(id, 'waiting-children')
redis.call('HSET', K.pendingChildren, id, trees)
local _, ids = insertTrees(8, trees, nil)
local known = hget(K.children, id)
redis.call('HSET', K.children, id, (known and (known .. ' ') or '') .. table.concat(ids, ' '))
return 1

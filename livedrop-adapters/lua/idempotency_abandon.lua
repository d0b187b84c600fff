-- Deletes the caller's in-flight idempotency record, atomically, so a retry can run.
-- KEYS[1]: the record. ARGV[1]: the caller's in-flight value (tag and fingerprint).
-- Returns 1 if the record was deleted, 0 if it was not the caller's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0

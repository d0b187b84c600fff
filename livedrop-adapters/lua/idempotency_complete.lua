-- Completes callers' in-flight idempotency records, atomically, several at a time
-- (see src/redis/script_batch.rs): call i has KEYS[i] and ARGV[3i-2 .. 3i].
-- KEYS[i]: the record. ARGV[3i-2]: the caller's in-flight value (tag and fingerprint), so
-- a record that expired and was taken by another request, or one already completed, is
-- left alone. ARGV[3i-1]: the completed value. ARGV[3i]: retention in milliseconds.
-- Returns, per call, 1 if the record was completed, 0 if it was not the caller's.
local done = {}
for i = 1, #KEYS do
    local a = 3 * (i - 1)
    if redis.call('GET', KEYS[i]) == ARGV[a + 1] then
        redis.call('SET', KEYS[i], ARGV[a + 2], 'PX', ARGV[a + 3])
        done[i] = 1
    else
        done[i] = 0
    end
end
return done

-- Claims idempotency keys, several at a time (see src/redis/script_batch.rs): call i has
-- KEYS[i] and ARGV[2i-1 .. 2i]. Each claim is `SET key in-flight NX PX lock_ttl GET`:
-- set-if-absent that returns what holds the key.
-- KEYS[i]: the record. ARGV[2i-1]: the in-flight value. ARGV[2i]: lock TTL in milliseconds.
-- Returns, per call, false (nil) if the caller now holds the key, else the stored value.
local held = {}
for i = 1, #KEYS do
    held[i] = redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'NX', 'PX', ARGV[2 * i], 'GET')
end
return held

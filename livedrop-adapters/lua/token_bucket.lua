-- Token-bucket checks: refill and take in one atomic step, on the server's clock, several
-- checks at a time (see src/redis/script_batch.rs): check i has KEYS[i] and
-- ARGV[3i-2 .. 3i]. Checks of one bucket in one call apply in order.
--
-- The bucket is kept as GCRA's "theoretical arrival time" (TAT, in microseconds): the
-- bucket is full when TAT <= now, and each token taken pushes TAT one interval further.
-- A take is allowed while TAT stays within capacity * interval of now. One integer per
-- bucket, no refill bookkeeping, and the key expires when the bucket would be full again.
--
-- KEYS[i]: the bucket. ARGV[3i-2]: capacity. ARGV[3i-1]: microseconds per token.
-- ARGV[3i]: cost. Returns, per check, {allowed (0/1), remaining tokens, retry after in
-- microseconds (-1: never)}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local answers = {}
for i = 1, #KEYS do
    local a = 3 * (i - 1)
    local capacity = tonumber(ARGV[a + 1])
    local interval = tonumber(ARGV[a + 2])
    local cost = tonumber(ARGV[a + 3])
    local burst = capacity * interval
    if cost > capacity then
        answers[i] = {0, 0, -1}
    else
        local tat = tonumber(redis.call('GET', KEYS[i]) or now)
        if tat < now then
            tat = now
        end
        local new_tat = tat + cost * interval
        local ahead = new_tat - now
        if ahead > burst then
            answers[i] = {0, 0, ahead - burst}
        else
            -- %d: tostring would print large numbers in exponent form, losing microseconds.
            redis.call('SET', KEYS[i], string.format('%d', new_tat), 'PX',
                math.max(1, math.ceil(ahead / 1000)))
            answers[i] = {1, math.floor((burst - ahead) / interval), 0}
        end
    end
end
return answers

-- The W3C `traceparent` of the request that caused an event, when it was traced: the relay
-- sends it as the Kafka record's `traceparent` header, so consumers join the same trace.
-- Its own column, not a member of the event's JSON: clients are sent that JSON, and the
-- trace is the server's business. NULL for untraced events (most of them), which costs a
-- bit in the row's null bitmap and nothing else.
ALTER TABLE outbox ADD COLUMN traceparent text;

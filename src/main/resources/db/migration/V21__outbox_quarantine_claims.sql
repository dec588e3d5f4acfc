-- Issue 13: outbox entries and quarantined messages are worked on by whichever node gets there
-- first. A node claims a row for one attempt (send, release, delete) by writing its name and an
-- expiry, renewed while it works; a claim that ran out (the node died) is taken over by the next.
-- claimed_by: "<node>/<process>"; NULL when nobody holds the row.
ALTER TABLE outbox ADD COLUMN claimed_by VARCHAR(200);
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE quarantine_item ADD COLUMN claimed_by VARCHAR(200);
ALTER TABLE quarantine_item ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;

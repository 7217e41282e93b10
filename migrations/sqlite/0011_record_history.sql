-- 修改记录: a record's page lists every audit entry about it (creation, each correction, its
-- confirmations), read by record kind and id; at province scale the log holds millions of rows.
create index audit_events_entity_idx on audit_events (entity, entity_id, seq);

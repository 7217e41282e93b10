-- The same service recorded twice (a form sent twice, an export imported again, two requests at
-- once) is made impossible by the schema, not only by the check before the insert.
-- dedup_key: SHA-256 (hex) of from|to|place|sorted member ids|trimmed content, computed by the
-- app. Rows recorded before this migration keep null (SQLite has no SHA-256 to fill them); the
-- check inside the write still compares them, and nulls never collide in a unique index.
alter table onsite_entries add column dedup_key text;
create unique index onsite_entries_dedup_key on onsite_entries (group_id, dedup_key);

-- A confirmation made before the platform (历史补录) names whoever the workbook says confirmed it
-- (a person, or the village or town whose word it was), not the user who imported it: the
-- confirming user is then empty and this text stands in.
alter table onsite_entries add column confirmed_by_text text;
alter table meeting_attendees add column confirmed_by_text text;

-- The update trigger compares every column (migration 0032's, with the new one).
drop trigger data_version_onsite_entries_update;
create trigger data_version_onsite_entries_update after update on onsite_entries when old.id is not new.id or old.group_id is not new.group_id or old.date_from is not new.date_from or old.date_to is not new.date_to or old.place_org_id is not new.place_org_id or old.content is not new.content or old.confirmed_by is not new.confirmed_by or old.confirmed_at is not new.confirmed_at or old.created_by is not new.created_by or old.created_at is not new.created_at or old.dedup_key is not new.dedup_key or old.member_ids is not new.member_ids or old.students is not new.students or old.history_import_id is not new.history_import_id or old.confirmed_by_text is not new.confirmed_by_text begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

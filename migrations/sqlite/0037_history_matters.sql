-- 历史补录 of major matters (issue 14): a matter imported from a history workbook names the
-- import, and keeps the names the workbook gives for who reported, acknowledged and replied (the
-- accounts of then are not on the platform; the importer's account stands in for the reporter's).
alter table major_matters add column history_import_id text references history_imports (id);
alter table major_matters add column raised_by_text text;
alter table major_matters add column acknowledged_by_text text;
alter table major_matters add column replied_by_text text;

-- The update trigger compares every column: with the new ones.
drop trigger data_version_major_matters_update;
create trigger data_version_major_matters_update after update on major_matters when old.id is not new.id or old.group_id is not new.group_id or old.summary is not new.summary or old.details is not new.details or old.urgency is not new.urgency or old.raised_on is not new.raised_on or old.reported_at is not new.reported_at or old.reported_on is not new.reported_on or old.raised_by is not new.raised_by or old.raised_by_org_id is not new.raised_by_org_id or old.acknowledged_at is not new.acknowledged_at or old.acknowledged_by is not new.acknowledged_by or old.reply is not new.reply or old.replied_at is not new.replied_at or old.replied_by is not new.replied_by or old.history_import_id is not new.history_import_id or old.raised_by_text is not new.raised_by_text or old.acknowledged_by_text is not new.acknowledged_by_text or old.replied_by_text is not new.replied_by_text begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

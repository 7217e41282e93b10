-- 历史补录 of annual cooperation plans (issue 14): a plan imported from a history workbook names
-- the import, for its page to say so.
alter table annual_plans add column history_import_id text references history_imports (id);

-- The update trigger compares every column: with the new one.
drop trigger data_version_annual_plans_update;
create trigger data_version_annual_plans_update after update on annual_plans when old.id is not new.id or old.group_id is not new.group_id or old.year is not new.year or old.title is not new.title or old.notes is not new.notes or old.created_by is not new.created_by or old.created_at is not new.created_at or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

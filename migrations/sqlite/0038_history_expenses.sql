-- 历史补录 of expenses (issue 14): an expense imported from a history workbook names the import,
-- for the group's list to say so.
alter table expenses add column history_import_id text references history_imports (id);

-- The update trigger compares every column: with the new one.
drop trigger data_version_expenses_update;
create trigger data_version_expenses_update after update on expenses when old.id is not new.id or old.group_id is not new.group_id or old.spent_on is not new.spent_on or old.amount_fen is not new.amount_fen or old.payer_org_id is not new.payer_org_id or old.kind is not new.kind or old.in_kind is not new.in_kind or old.initiator_org_id is not new.initiator_org_id or old.notes is not new.notes or old.created_by is not new.created_by or old.created_at is not new.created_at or old.project_id is not new.project_id or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

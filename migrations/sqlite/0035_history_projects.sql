-- 历史补录 of cooperation projects (issue 14): a project imported from a history workbook names
-- the import, for its page to say so.
alter table projects add column history_import_id text references history_imports (id);

-- The update trigger compares every column: with the new one.
drop trigger data_version_projects_update;
create trigger data_version_projects_update after update on projects when old.id is not new.id or old.group_id is not new.group_id or old.area is not new.area or old.title is not new.title or old.lead_org_id is not new.lead_org_id or old.partners is not new.partners or old.starts_on is not new.starts_on or old.ends_on is not new.ends_on or old.status is not new.status or old.description is not new.description or old.purchased is not new.purchased or old.buyer_org_id is not new.buyer_org_id or old.contract_fen is not new.contract_fen or old.created_by is not new.created_by or old.created_at is not new.created_at or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

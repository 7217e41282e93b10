-- 历史补录 of major matters (issue 14): a matter imported from a history workbook names the
-- import, and keeps the names the workbook gives for who reported, acknowledged and replied (the
-- accounts of then are not on the platform; the importer's account stands in for the reporter's).
alter table major_matters add column history_import_id text references history_imports (id);
alter table major_matters add column raised_by_text text;
alter table major_matters add column acknowledged_by_text text;
alter table major_matters add column replied_by_text text;

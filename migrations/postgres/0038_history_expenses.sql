-- 历史补录 of expenses (issue 14): an expense imported from a history workbook names the import,
-- for the group's list to say so.
alter table expenses add column history_import_id text references history_imports (id);

-- 历史补录 of the coordination groups (issue 14): a delegate imported from a history workbook
-- names the import, for the group's page to say so.
alter table coordinators add column history_import_id text references history_imports (id);

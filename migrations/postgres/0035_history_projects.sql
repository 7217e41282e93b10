-- 历史补录 of cooperation projects (issue 14): a project imported from a history workbook names
-- the import, for its page to say so.
alter table projects add column history_import_id text references history_imports (id);

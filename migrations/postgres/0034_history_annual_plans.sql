-- 历史补录 of annual cooperation plans (issue 14): a plan imported from a history workbook names
-- the import, for its page to say so.
alter table annual_plans add column history_import_id text references history_imports (id);

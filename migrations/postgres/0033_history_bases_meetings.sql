-- 历史补录 of practice bases and joint meetings (issue 14): like the records imported before, each
-- names the import that wrote it, for its page to say so.
alter table practice_bases add column history_import_id text references history_imports (id);
alter table meetings add column history_import_id text references history_imports (id);

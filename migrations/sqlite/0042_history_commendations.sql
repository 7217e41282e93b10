-- 历史补录 of commendations (issue 14): a commendation imported from a history workbook names the
-- import, and the approval it records names whoever the workbook says decided it (no user of the
-- platform did).
alter table commendations add column history_import_id text references history_imports (id);
alter table commendations add column decided_by_text text;

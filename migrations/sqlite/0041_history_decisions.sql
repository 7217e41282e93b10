-- 历史补录 of meeting decisions (issue 14): a decision imported from a history workbook names the
-- import, for the meeting's page to say so.
alter table meeting_decisions add column history_import_id text references history_imports (id);

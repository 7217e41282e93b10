-- A confirmation made before the platform (历史补录) names whoever the workbook says confirmed it
-- (a person, or the village or town whose word it was), not the user who imported it: the
-- confirming user is then empty and this text stands in.
alter table onsite_entries add column confirmed_by_text text;
alter table meeting_attendees add column confirmed_by_text text;
-- (The PostgreSQL update trigger compares whole rows, so it needs no change.)

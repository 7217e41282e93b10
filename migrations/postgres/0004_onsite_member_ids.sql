-- The members on site of each entry, also on the entry itself (comma-separated team-member ids,
-- written by the app in the same transaction as onsite_entry_members). The rules read a whole
-- year of every group's entries at once; this spares them a join of hundreds of thousands of rows.
alter table onsite_entries add column member_ids text not null default '';
update onsite_entries e set member_ids = coalesce(
    (select string_agg(m.member_id, ',' order by m.member_id) from onsite_entry_members m where m.entry_id = e.id), '');

-- The rules read every group's on-site entries of a period in one query (store::facts): with the
-- confirmation and the members in the index, it is read from the index alone, not from a table
-- row looked up for each entry. It begins with the columns of the index it replaces.
create index onsite_entries_facts_idx on onsite_entries (group_id, date_from, date_to, confirmed_at, member_ids);
drop index onsite_entries_group_idx;

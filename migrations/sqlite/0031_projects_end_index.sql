-- The monthly summary finds each group's projects finished in the month by their end date:
-- an index range per group, where it read every project the group ever had.
create index projects_group_end_idx on projects (group_id, ends_on);

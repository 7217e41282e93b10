-- 历史补录: a workbook of past records imported once, all or nothing (issue 14). The digest of the
-- workbook is unique, so the same workbook cannot be imported twice; every record it wrote names
-- the import, for its page to say so.
create table history_imports (
    id text primary key,
    sha256 text not null,
    file_name text not null,
    files_name text,
    imported_by text references users (id),
    imported_by_name text not null,
    imported_at integer not null,
    counts text not null,
    constraint history_imports_sha256_key unique (sha256)
);
alter table team_members add column history_import_id text references history_imports (id);
alter table agreements add column history_import_id text references history_imports (id);
alter table onsite_entries add column history_import_id text references history_imports (id);
alter table monthly_reports add column history_import_id text references history_imports (id);

-- The update triggers compare every column (a column not compared would leave a kept judgement
-- or page stale): each with the new column.
drop trigger data_version_team_members_update;
create trigger data_version_team_members_update after update on team_members when old.id is not new.id or old.group_id is not new.group_id or old.person_name is not new.person_name or old.org_id is not new.org_id or old.role is not new.role or old.title is not new.title or old.school_leader is not new.school_leader or old.phone is not new.phone or old.joined_on is not new.joined_on or old.left_on is not new.left_on or old.created_at is not new.created_at or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
drop trigger data_version_agreements_update;
create trigger data_version_agreements_update after update on agreements when old.id is not new.id or old.group_id is not new.group_id or old.signed_on is not new.signed_on or old.notes is not new.notes or old.created_at is not new.created_at or old.updated_at is not new.updated_at or old.adjustment_id is not new.adjustment_id or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
drop trigger data_version_onsite_entries_update;
create trigger data_version_onsite_entries_update after update on onsite_entries when old.id is not new.id or old.group_id is not new.group_id or old.date_from is not new.date_from or old.date_to is not new.date_to or old.place_org_id is not new.place_org_id or old.content is not new.content or old.confirmed_by is not new.confirmed_by or old.confirmed_at is not new.confirmed_at or old.created_by is not new.created_by or old.created_at is not new.created_at or old.dedup_key is not new.dedup_key or old.member_ids is not new.member_ids or old.students is not new.students or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
drop trigger data_version_monthly_reports_update;
create trigger data_version_monthly_reports_update after update on monthly_reports when old.id is not new.id or old.plan_id is not new.plan_id or old.school_id is not new.school_id or old.month is not new.month or old.state is not new.state or old.version is not new.version or old.prefill is not new.prefill or old.prefilled_at is not new.prefilled_at or old.narrative is not new.narrative or old.problems is not new.problems or old.next_plan is not new.next_plan or old.first_submitted_at is not new.first_submitted_at or old.last_submitted_at is not new.last_submitted_at or old.reviewed_at is not new.reviewed_at or old.reviewed_by is not new.reviewed_by or old.review_comment is not new.review_comment or old.paper is not new.paper or old.created_at is not new.created_at or old.updated_at is not new.updated_at or old.history_import_id is not new.history_import_id begin update data_version set n = n + 1, schools_n = n + 1 where id = 1; end;

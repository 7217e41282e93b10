-- 数据版本, by whom: besides the one number (0022), which groups a write touched. A write to a
-- group's own records (its agreement and parties, team, on-site entries, bases, matters,
-- meetings, annual plans) notes the version on that group's row of group_versions; a write the
-- school rules read (monthly reports) notes it in schools_n; a write that reaches every group's
-- verdicts or the matrix's rows (groups, memberships, organisations, plans) notes it in global_n.
-- The compliance matrix then judges again only the groups that changed since the judgement it
-- keeps, the schools only when their inputs changed, and everything when global_n moved. The
-- update triggers still compare every column (the 0022 test checks each is compared).
alter table data_version add column global_n integer not null default 0;
alter table data_version add column schools_n integer not null default 0;
update data_version set global_n = n, schools_n = n where id = 1;
create table group_versions (
    group_id text primary key,
    n integer not null
);

drop trigger data_version_pairing_groups_insert;
drop trigger data_version_pairing_groups_update;
drop trigger data_version_pairing_groups_delete;
drop trigger data_version_group_memberships_insert;
drop trigger data_version_group_memberships_update;
drop trigger data_version_group_memberships_delete;
drop trigger data_version_organisations_insert;
drop trigger data_version_organisations_update;
drop trigger data_version_organisations_delete;
drop trigger data_version_plans_insert;
drop trigger data_version_plans_update;
drop trigger data_version_plans_delete;
drop trigger data_version_plan_versions_insert;
drop trigger data_version_plan_versions_update;
drop trigger data_version_plan_versions_delete;
drop trigger data_version_monthly_reports_insert;
drop trigger data_version_monthly_reports_update;
drop trigger data_version_monthly_reports_delete;
drop trigger data_version_agreements_insert;
drop trigger data_version_agreements_update;
drop trigger data_version_agreements_delete;
drop trigger data_version_team_members_insert;
drop trigger data_version_team_members_update;
drop trigger data_version_team_members_delete;
drop trigger data_version_onsite_entries_insert;
drop trigger data_version_onsite_entries_update;
drop trigger data_version_onsite_entries_delete;
drop trigger data_version_practice_bases_insert;
drop trigger data_version_practice_bases_update;
drop trigger data_version_practice_bases_delete;
drop trigger data_version_major_matters_insert;
drop trigger data_version_major_matters_update;
drop trigger data_version_major_matters_delete;
drop trigger data_version_meetings_insert;
drop trigger data_version_meetings_update;
drop trigger data_version_meetings_delete;
drop trigger data_version_annual_plans_insert;
drop trigger data_version_annual_plans_update;
drop trigger data_version_annual_plans_delete;
drop trigger data_version_agreement_parties_insert;
drop trigger data_version_agreement_parties_update;
drop trigger data_version_agreement_parties_delete;
create trigger data_version_pairing_groups_insert after insert on pairing_groups begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_pairing_groups_update after update on pairing_groups when old.id is not new.id or old.plan_id is not new.plan_id or old.number is not new.number or old.lead_town_id is not new.lead_town_id or old.started_on is not new.started_on or old.ended_on is not new.ended_on or old.created_at is not new.created_at begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_pairing_groups_delete after delete on pairing_groups begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_insert after insert on group_memberships begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_update after update on group_memberships when old.id is not new.id or old.group_id is not new.group_id or old.org_id is not new.org_id or old.role is not new.role or old.effective_from is not new.effective_from or old.effective_to is not new.effective_to or old.position is not new.position or old.created_at is not new.created_at begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_delete after delete on group_memberships begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_organisations_insert after insert on organisations begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_organisations_update after update on organisations when old.id is not new.id or old.kind is not new.kind or old.name is not new.name or old.region_id is not new.region_id or old.medical_focus is not new.medical_focus or old.created_at is not new.created_at begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_organisations_delete after delete on organisations begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plans_insert after insert on plans begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plans_update after update on plans when old.id is not new.id or old.code is not new.code or old.name is not new.name or old.doc_no is not new.doc_no or old.issued_on is not new.issued_on or old.plan_toml is not new.plan_toml or old.created_at is not new.created_at begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plans_delete after delete on plans begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_insert after insert on plan_versions begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_update after update on plan_versions when old.id is not new.id or old.plan_id is not new.plan_id or old.seq is not new.seq or old.from_year is not new.from_year or old.name is not new.name or old.doc_no is not new.doc_no or old.plan_toml is not new.plan_toml or old.loaded_at is not new.loaded_at or old.loaded_by is not new.loaded_by or old.loaded_by_name is not new.loaded_by_name begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_delete after delete on plan_versions begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_insert after insert on monthly_reports begin update data_version set n = n + 1, schools_n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_update after update on monthly_reports when old.id is not new.id or old.plan_id is not new.plan_id or old.school_id is not new.school_id or old.month is not new.month or old.state is not new.state or old.version is not new.version or old.prefill is not new.prefill or old.prefilled_at is not new.prefilled_at or old.narrative is not new.narrative or old.problems is not new.problems or old.next_plan is not new.next_plan or old.first_submitted_at is not new.first_submitted_at or old.last_submitted_at is not new.last_submitted_at or old.reviewed_at is not new.reviewed_at or old.reviewed_by is not new.reviewed_by or old.review_comment is not new.review_comment or old.paper is not new.paper or old.created_at is not new.created_at or old.updated_at is not new.updated_at begin update data_version set n = n + 1, schools_n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_delete after delete on monthly_reports begin update data_version set n = n + 1, schools_n = n + 1 where id = 1; end;
create trigger data_version_agreements_insert after insert on agreements begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_agreements_update after update on agreements when old.id is not new.id or old.group_id is not new.group_id or old.signed_on is not new.signed_on or old.notes is not new.notes or old.created_at is not new.created_at or old.updated_at is not new.updated_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_agreements_delete after delete on agreements begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_team_members_insert after insert on team_members begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_team_members_update after update on team_members when old.id is not new.id or old.group_id is not new.group_id or old.person_name is not new.person_name or old.org_id is not new.org_id or old.role is not new.role or old.title is not new.title or old.school_leader is not new.school_leader or old.phone is not new.phone or old.joined_on is not new.joined_on or old.left_on is not new.left_on or old.created_at is not new.created_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_team_members_delete after delete on team_members begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_onsite_entries_insert after insert on onsite_entries begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_onsite_entries_update after update on onsite_entries when old.id is not new.id or old.group_id is not new.group_id or old.date_from is not new.date_from or old.date_to is not new.date_to or old.place_org_id is not new.place_org_id or old.content is not new.content or old.confirmed_by is not new.confirmed_by or old.confirmed_at is not new.confirmed_at or old.created_by is not new.created_by or old.created_at is not new.created_at or old.dedup_key is not new.dedup_key or old.member_ids is not new.member_ids or old.students is not new.students begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_onsite_entries_delete after delete on onsite_entries begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_practice_bases_insert after insert on practice_bases begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_practice_bases_update after update on practice_bases when old.id is not new.id or old.group_id is not new.group_id or old.name is not new.name or old.place_org_id is not new.place_org_id or old.functions is not new.functions or old.opened_on is not new.opened_on or old.description is not new.description or old.created_at is not new.created_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_practice_bases_delete after delete on practice_bases begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_major_matters_insert after insert on major_matters begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_major_matters_update after update on major_matters when old.id is not new.id or old.group_id is not new.group_id or old.summary is not new.summary or old.details is not new.details or old.urgency is not new.urgency or old.raised_on is not new.raised_on or old.reported_at is not new.reported_at or old.reported_on is not new.reported_on or old.raised_by is not new.raised_by or old.raised_by_org_id is not new.raised_by_org_id or old.acknowledged_at is not new.acknowledged_at or old.acknowledged_by is not new.acknowledged_by or old.reply is not new.reply or old.replied_at is not new.replied_at or old.replied_by is not new.replied_by begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_major_matters_delete after delete on major_matters begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_meetings_insert after insert on meetings begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_meetings_update after update on meetings when old.id is not new.id or old.group_id is not new.group_id or old.held_on is not new.held_on or old.place is not new.place or old.people is not new.people or old.agenda is not new.agenda or old.minutes is not new.minutes or old.adopts_annual_plan is not new.adopts_annual_plan or old.created_by is not new.created_by or old.created_at is not new.created_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_meetings_delete after delete on meetings begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_annual_plans_insert after insert on annual_plans begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_annual_plans_update after update on annual_plans when old.id is not new.id or old.group_id is not new.group_id or old.year is not new.year or old.title is not new.title or old.notes is not new.notes or old.created_by is not new.created_by or old.created_at is not new.created_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_annual_plans_delete after delete on annual_plans begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_agreement_parties_insert after insert on agreement_parties begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select a.group_id, v.n from agreements a, data_version v where v.id = 1 and a.id = new.agreement_id on conflict (group_id) do update set n = excluded.n; update data_version set global_n = n where id = 1 and not exists (select 1 from agreements where id = new.agreement_id); end;
create trigger data_version_agreement_parties_update after update on agreement_parties when old.agreement_id is not new.agreement_id or old.org_id is not new.org_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select a.group_id, v.n from agreements a, data_version v where v.id = 1 and a.id = old.agreement_id on conflict (group_id) do update set n = excluded.n; update data_version set global_n = n where id = 1 and not exists (select 1 from agreements where id = old.agreement_id); insert into group_versions (group_id, n) select a.group_id, v.n from agreements a, data_version v where v.id = 1 and a.id = new.agreement_id on conflict (group_id) do update set n = excluded.n; update data_version set global_n = n where id = 1 and not exists (select 1 from agreements where id = new.agreement_id); end;
create trigger data_version_agreement_parties_delete after delete on agreement_parties begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select a.group_id, v.n from agreements a, data_version v where v.id = 1 and a.id = old.agreement_id on conflict (group_id) do update set n = excluded.n; update data_version set global_n = n where id = 1 and not exists (select 1 from agreements where id = old.agreement_id); end;

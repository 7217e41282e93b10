-- 数据版本: a number that every write to the tables the rule verdicts read moves on, in the same
-- transaction as the write. The compliance matrix keeps the programme's judged year under this
-- number and judges again when it has moved, so a kept verdict is never older than the records
-- (any instance's write, any code path, moves it: the triggers are in the database).
create table data_version (
    id integer primary key check (id = 1),
    n integer not null
);
insert into data_version (id, n) values (1, 0);
create trigger data_version_pairing_groups_insert after insert on pairing_groups begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_pairing_groups_update after update on pairing_groups begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_pairing_groups_delete after delete on pairing_groups begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_insert after insert on group_memberships begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_update after update on group_memberships begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_group_memberships_delete after delete on group_memberships begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_organisations_insert after insert on organisations begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_organisations_update after update on organisations begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_organisations_delete after delete on organisations begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreements_insert after insert on agreements begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreements_update after update on agreements begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreements_delete after delete on agreements begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreement_parties_insert after insert on agreement_parties begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreement_parties_update after update on agreement_parties begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_agreement_parties_delete after delete on agreement_parties begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_team_members_insert after insert on team_members begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_team_members_update after update on team_members begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_team_members_delete after delete on team_members begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_onsite_entries_insert after insert on onsite_entries begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_onsite_entries_update after update on onsite_entries begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_onsite_entries_delete after delete on onsite_entries begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_practice_bases_insert after insert on practice_bases begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_practice_bases_update after update on practice_bases begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_practice_bases_delete after delete on practice_bases begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_major_matters_insert after insert on major_matters begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_major_matters_update after update on major_matters begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_major_matters_delete after delete on major_matters begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_meetings_insert after insert on meetings begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_meetings_update after update on meetings begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_meetings_delete after delete on meetings begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_annual_plans_insert after insert on annual_plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_annual_plans_update after update on annual_plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_annual_plans_delete after delete on annual_plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_insert after insert on monthly_reports begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_update after update on monthly_reports begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_monthly_reports_delete after delete on monthly_reports begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plans_insert after insert on plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plans_update after update on plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plans_delete after delete on plans begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_insert after insert on plan_versions begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_update after update on plan_versions begin update data_version set n = n + 1 where id = 1; end;
create trigger data_version_plan_versions_delete after delete on plan_versions begin update data_version set n = n + 1 where id = 1; end;

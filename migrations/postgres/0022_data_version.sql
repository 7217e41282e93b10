-- 数据版本: a number that every write to the tables the rule verdicts read moves on, in the same
-- transaction as the write. The compliance matrix keeps the programme's judged year under this
-- number and judges again when it has moved, so a kept verdict is never older than the records
-- (any instance's write, any code path, moves it: the triggers are in the database). An update
-- that leaves its row as it was (the row claims some writes make as a lock) does not move it.
create table data_version (
    id integer primary key check (id = 1),
    n bigint not null
);
insert into data_version (id, n) values (1, 0);

-- Moved once per transaction, at its commit (a deferred trigger): the row's lock is taken last
-- and held only while committing, so a writer waiting for it holds nothing the holder needs.
create function bump_data_version() returns trigger language plpgsql as $$
begin
    if current_setting('xiaodi.data_version_moved', true) is distinct from 'yes' then
        perform set_config('xiaodi.data_version_moved', 'yes', true);
        update data_version set n = n + 1 where id = 1;
    end if;
    return null;
end
$$;
create constraint trigger data_version_pairing_groups_write after insert or delete on pairing_groups deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_pairing_groups_update after update on pairing_groups deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_group_memberships_write after insert or delete on group_memberships deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_group_memberships_update after update on group_memberships deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_organisations_write after insert or delete on organisations deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_organisations_update after update on organisations deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_agreements_write after insert or delete on agreements deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_agreements_update after update on agreements deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_agreement_parties_write after insert or delete on agreement_parties deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_agreement_parties_update after update on agreement_parties deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_team_members_write after insert or delete on team_members deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_team_members_update after update on team_members deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_onsite_entries_write after insert or delete on onsite_entries deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_onsite_entries_update after update on onsite_entries deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_practice_bases_write after insert or delete on practice_bases deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_practice_bases_update after update on practice_bases deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_major_matters_write after insert or delete on major_matters deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_major_matters_update after update on major_matters deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_meetings_write after insert or delete on meetings deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_meetings_update after update on meetings deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_annual_plans_write after insert or delete on annual_plans deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_annual_plans_update after update on annual_plans deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_monthly_reports_write after insert or delete on monthly_reports deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_monthly_reports_update after update on monthly_reports deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_plans_write after insert or delete on plans deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_plans_update after update on plans deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();
create constraint trigger data_version_plan_versions_write after insert or delete on plan_versions deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_plan_versions_update after update on plan_versions deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version();

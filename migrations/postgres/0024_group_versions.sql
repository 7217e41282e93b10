-- 数据版本, by whom: besides the one number (0022), which groups a write touched (see the SQLite
-- migration of the same number). Still once per transaction for the number, at its commit; a
-- group's row of group_versions is written once per run of rows of the same group.
alter table data_version add column global_n bigint not null default 0;
alter table data_version add column schools_n bigint not null default 0;
update data_version set global_n = n, schools_n = n where id = 1;
create table group_versions (
    group_id text primary key,
    n bigint not null
);

create or replace function bump_data_version() returns trigger language plpgsql as $$
declare
    images jsonb[] := array[]::jsonb[];
    image jsonb;
    g text;
begin
    if current_setting('xiaodi.data_version_moved', true) is distinct from 'yes' then
        perform set_config('xiaodi.data_version_moved', 'yes', true);
        update data_version set n = n + 1 where id = 1;
    end if;
    if tg_argv[0] in ('global', 'schools') then
        if current_setting('xiaodi.data_version_' || tg_argv[0], true) is distinct from 'yes' then
            perform set_config('xiaodi.data_version_' || tg_argv[0], 'yes', true);
            if tg_argv[0] = 'global' then
                update data_version set global_n = n where id = 1;
            else
                update data_version set schools_n = n where id = 1;
            end if;
        end if;
        return null;
    end if;
    if tg_op <> 'DELETE' then
        images := images || to_jsonb(new);
    end if;
    if tg_op <> 'INSERT' then
        images := images || to_jsonb(old);
    end if;
    foreach image in array images loop
        if tg_argv[0] = 'agreement' then
            select a.group_id into g from agreements a where a.id = image ->> 'agreement_id';
            if g is null then
                -- Its agreement is gone (deleted in this transaction): every group is judged again.
                update data_version set global_n = n where id = 1;
                continue;
            end if;
        else
            g := image ->> 'group_id';
        end if;
        if current_setting('xiaodi.data_version_group', true) is distinct from g then
            perform set_config('xiaodi.data_version_group', g, true);
            insert into group_versions (group_id, n) select g, n from data_version where id = 1
                on conflict (group_id) do update set n = excluded.n;
        end if;
    end loop;
    return null;
end
$$;

drop trigger data_version_pairing_groups_write on pairing_groups;
drop trigger data_version_pairing_groups_update on pairing_groups;
drop trigger data_version_group_memberships_write on group_memberships;
drop trigger data_version_group_memberships_update on group_memberships;
drop trigger data_version_organisations_write on organisations;
drop trigger data_version_organisations_update on organisations;
drop trigger data_version_plans_write on plans;
drop trigger data_version_plans_update on plans;
drop trigger data_version_plan_versions_write on plan_versions;
drop trigger data_version_plan_versions_update on plan_versions;
drop trigger data_version_monthly_reports_write on monthly_reports;
drop trigger data_version_monthly_reports_update on monthly_reports;
drop trigger data_version_agreements_write on agreements;
drop trigger data_version_agreements_update on agreements;
drop trigger data_version_team_members_write on team_members;
drop trigger data_version_team_members_update on team_members;
drop trigger data_version_onsite_entries_write on onsite_entries;
drop trigger data_version_onsite_entries_update on onsite_entries;
drop trigger data_version_practice_bases_write on practice_bases;
drop trigger data_version_practice_bases_update on practice_bases;
drop trigger data_version_major_matters_write on major_matters;
drop trigger data_version_major_matters_update on major_matters;
drop trigger data_version_meetings_write on meetings;
drop trigger data_version_meetings_update on meetings;
drop trigger data_version_annual_plans_write on annual_plans;
drop trigger data_version_annual_plans_update on annual_plans;
drop trigger data_version_agreement_parties_write on agreement_parties;
drop trigger data_version_agreement_parties_update on agreement_parties;
create constraint trigger data_version_pairing_groups_write after insert or delete on pairing_groups deferrable initially deferred for each row execute function bump_data_version('global');
create constraint trigger data_version_pairing_groups_update after update on pairing_groups deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('global');
create constraint trigger data_version_group_memberships_write after insert or delete on group_memberships deferrable initially deferred for each row execute function bump_data_version('global');
create constraint trigger data_version_group_memberships_update after update on group_memberships deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('global');
create constraint trigger data_version_organisations_write after insert or delete on organisations deferrable initially deferred for each row execute function bump_data_version('global');
create constraint trigger data_version_organisations_update after update on organisations deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('global');
create constraint trigger data_version_plans_write after insert or delete on plans deferrable initially deferred for each row execute function bump_data_version('global');
create constraint trigger data_version_plans_update after update on plans deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('global');
create constraint trigger data_version_plan_versions_write after insert or delete on plan_versions deferrable initially deferred for each row execute function bump_data_version('global');
create constraint trigger data_version_plan_versions_update after update on plan_versions deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('global');
create constraint trigger data_version_monthly_reports_write after insert or delete on monthly_reports deferrable initially deferred for each row execute function bump_data_version('schools');
create constraint trigger data_version_monthly_reports_update after update on monthly_reports deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('schools');
create constraint trigger data_version_agreements_write after insert or delete on agreements deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_agreements_update after update on agreements deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_team_members_write after insert or delete on team_members deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_team_members_update after update on team_members deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_onsite_entries_write after insert or delete on onsite_entries deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_onsite_entries_update after update on onsite_entries deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_practice_bases_write after insert or delete on practice_bases deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_practice_bases_update after update on practice_bases deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_major_matters_write after insert or delete on major_matters deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_major_matters_update after update on major_matters deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_meetings_write after insert or delete on meetings deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_meetings_update after update on meetings deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_annual_plans_write after insert or delete on annual_plans deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_annual_plans_update after update on annual_plans deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_agreement_parties_write after insert or delete on agreement_parties deferrable initially deferred for each row execute function bump_data_version('agreement');
create constraint trigger data_version_agreement_parties_update after update on agreement_parties deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('agreement');

-- 数据版本: a number that every write to the tables the rule verdicts read moves on, in the same
-- transaction as the write. The compliance matrix keeps the programme's judged year under this
-- number and judges again when it has moved, so a kept verdict is never older than the records
-- (any instance's write, any code path, moves it: the triggers are in the database).
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
create constraint trigger data_version_pairing_groups after insert or update or delete on pairing_groups deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_group_memberships after insert or update or delete on group_memberships deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_organisations after insert or update or delete on organisations deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_agreements after insert or update or delete on agreements deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_agreement_parties after insert or update or delete on agreement_parties deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_team_members after insert or update or delete on team_members deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_onsite_entries after insert or update or delete on onsite_entries deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_practice_bases after insert or update or delete on practice_bases deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_major_matters after insert or update or delete on major_matters deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_meetings after insert or update or delete on meetings deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_annual_plans after insert or update or delete on annual_plans deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_monthly_reports after insert or update or delete on monthly_reports deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_plans after insert or update or delete on plans deferrable initially deferred for each row execute function bump_data_version();
create constraint trigger data_version_plan_versions after insert or update or delete on plan_versions deferrable initially deferred for each row execute function bump_data_version();

-- 数据版本 for the year at a glance (see the SQLite migration of the same number): projects,
-- their progress updates and outcome figures, expenses and their shares, and annual plan items
-- move the data version and their group's row of group_versions. Outcome figures and shares
-- name no group: the function finds it through their update or expense.

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
        elsif tg_argv[0] = 'update' then
            -- An outcome figure: its progress update's group. Gone with its update (cascade),
            -- whose own trigger has noted the group.
            select u.group_id into g from project_updates u where u.id = image ->> 'update_id';
            if g is null then
                continue;
            end if;
        elsif tg_argv[0] = 'expense' then
            -- An expense's share: the expense's group (gone with it: the expense noted it).
            select e.group_id into g from expenses e where e.id = image ->> 'expense_id';
            if g is null then
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

create constraint trigger data_version_projects_write after insert or delete on projects deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_projects_update after update on projects deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_project_updates_write after insert or delete on project_updates deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_project_updates_update after update on project_updates deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_annual_plan_items_write after insert or delete on annual_plan_items deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_annual_plan_items_update after update on annual_plan_items deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_expenses_write after insert or delete on expenses deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_expenses_update after update on expenses deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');
create constraint trigger data_version_project_outcomes_write after insert or delete on project_outcomes deferrable initially deferred for each row execute function bump_data_version('update');
create constraint trigger data_version_project_outcomes_update after update on project_outcomes deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('update');
create constraint trigger data_version_expense_shares_write after insert or delete on expense_shares deferrable initially deferred for each row execute function bump_data_version('expense');
create constraint trigger data_version_expense_shares_update after update on expense_shares deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('expense');

-- 年度评价 (五(三)): see the SQLite migration of the same number.
create table evaluation_reviewers (
    plan_id text not null references plans (id),
    year bigint not null,
    user_id text not null references users (id),
    assigned_by text references users (id),
    assigned_at bigint not null,
    constraint evaluation_reviewers_pk primary key (plan_id, year, user_id)
);

create table evaluation_scores (
    plan_id text not null references plans (id),
    year bigint not null,
    group_id text not null references pairing_groups (id),
    reviewer_id text not null references users (id),
    criterion text not null,
    points bigint not null,
    comment text not null,
    updated_at bigint not null,
    constraint evaluation_scores_pk primary key (plan_id, year, group_id, reviewer_id, criterion),
    constraint evaluation_scores_points_nonnegative check (points >= 0)
);

create table evaluations (
    group_id text not null references pairing_groups (id),
    year bigint not null,
    plan_id text not null references plans (id),
    total bigint not null,
    grade text,
    working text not null,
    scheme text not null,
    finalised_on text not null,
    finalised_at bigint not null,
    finalised_by text references users (id),
    constraint evaluations_pk primary key (group_id, year)
);
create index evaluations_plan_year_idx on evaluations (plan_id, year);

create constraint trigger data_version_evaluations_write after insert or delete on evaluations deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_evaluations_update after update on evaluations deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');

-- 表彰 (五(三)): see the SQLite migration of the same number.
create table commendations (
    id text primary key,
    plan_id text not null references plans (id),
    year bigint not null,
    kind text not null check (kind in ('collective', 'individual')),
    group_id text not null references pairing_groups (id),
    team_member_id text references team_members (id),
    org_id text references organisations (id),
    person_name text,
    citation text not null,
    state text not null check (state in ('nominated', 'approved', 'withdrawn')),
    nominated_by text references users (id),
    nominated_at bigint not null,
    decided_by text references users (id),
    decided_at bigint,
    updated_at bigint not null,
    constraint commendations_individual_named check (kind = 'collective' or (team_member_id is not null and org_id is not null and person_name is not null))
);
create index commendations_year_idx on commendations (year, kind);
create unique index commendations_one_collective on commendations (year, group_id) where kind = 'collective' and state <> 'withdrawn';
create unique index commendations_one_individual on commendations (year, team_member_id) where kind = 'individual' and state <> 'withdrawn';

-- A case or news item names the group's cooperation projects it is about (see SQLite).
alter table cases add column project_ids text not null default '';

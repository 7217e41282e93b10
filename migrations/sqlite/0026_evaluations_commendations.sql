-- 年度评价 (五(三)): HQ's reviewers of a plan's year, their scores per group and criterion, and
-- each group's result frozen when HQ finalises the year (the working kept as JSON, so nothing
-- written afterwards moves it). The criteria are the plan file's, named by code.
create table evaluation_reviewers (
    plan_id text not null references plans (id),
    year integer not null,
    user_id text not null references users (id),
    assigned_by text references users (id),
    assigned_at integer not null,
    constraint evaluation_reviewers_pk primary key (plan_id, year, user_id)
);

create table evaluation_scores (
    plan_id text not null references plans (id),
    year integer not null,
    group_id text not null references pairing_groups (id),
    reviewer_id text not null references users (id),
    criterion text not null,
    -- Tenths of a point.
    points integer not null,
    comment text not null,
    updated_at integer not null,
    constraint evaluation_scores_pk primary key (plan_id, year, group_id, reviewer_id, criterion),
    constraint evaluation_scores_points_nonnegative check (points >= 0)
);

create table evaluations (
    group_id text not null references pairing_groups (id),
    year integer not null,
    plan_id text not null references plans (id),
    -- Tenths of a point.
    total integer not null,
    grade text,
    working text not null,
    -- The plan's [evaluation] as it was (criteria, points, bands): a final year reads as finalised.
    scheme text not null,
    finalised_on text not null,
    finalised_at integer not null,
    finalised_by text references users (id),
    constraint evaluations_pk primary key (group_id, year)
);
create index evaluations_plan_year_idx on evaluations (plan_id, year);

-- The evaluation rule reads a group's finalised years: a group table for the data version (0024).
create trigger data_version_evaluations_insert after insert on evaluations begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_evaluations_update after update on evaluations when old.group_id is not new.group_id or old.year is not new.year or old.plan_id is not new.plan_id or old.total is not new.total or old.grade is not new.grade or old.working is not new.working or old.scheme is not new.scheme or old.finalised_on is not new.finalised_on or old.finalised_at is not new.finalised_at or old.finalised_by is not new.finalised_by begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_evaluations_delete after delete on evaluations begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

-- 表彰 (五(三)): 优秀集体 (a group and its team) and 先进个人 (a team member, with their school),
-- nominated and approved by HQ. A withdrawn nomination stays (state 'withdrawn'); at most one
-- standing commendation of a kind per group (collective) or per person (individual) and year.
create table commendations (
    id text primary key,
    plan_id text not null references plans (id),
    year integer not null,
    kind text not null check (kind in ('collective', 'individual')),
    group_id text not null references pairing_groups (id),
    team_member_id text references team_members (id),
    -- The person's school and name as they were when nominated.
    org_id text references organisations (id),
    person_name text,
    citation text not null,
    state text not null check (state in ('nominated', 'approved', 'withdrawn')),
    nominated_by text references users (id),
    nominated_at integer not null,
    decided_by text references users (id),
    decided_at integer,
    updated_at integer not null,
    constraint commendations_individual_named check (kind = 'collective' or (team_member_id is not null and org_id is not null and person_name is not null))
);
create index commendations_year_idx on commendations (year, kind);
create unique index commendations_one_collective on commendations (year, group_id) where kind = 'collective' and state <> 'withdrawn';
create unique index commendations_one_individual on commendations (year, team_member_id) where kind = 'individual' and state <> 'withdrawn';

-- A case or news item names the group's cooperation projects it is about (ids, comma-separated;
-- the service checks each is the group's). The cases update trigger (0025) compares every column,
-- so it is made again with this one.
alter table cases add column project_ids text not null default '';
drop trigger data_version_cases_update;
create trigger data_version_cases_update after update on cases when old.id is not new.id or old.group_id is not new.group_id or old.kind is not new.kind or old.title is not new.title or old.area is not new.area or old.summary is not new.summary or old.body is not new.body or old.state is not new.state or old.review_comment is not new.review_comment or old.written_by is not new.written_by or old.written_by_org_id is not new.written_by_org_id or old.submitted_at is not new.submitted_at or old.reviewed_at is not new.reviewed_at or old.reviewed_by is not new.reviewed_by or old.published_at is not new.published_at or old.published_on is not new.published_on or old.created_at is not new.created_at or old.updated_at is not new.updated_at or old.project_ids is not new.project_ids begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

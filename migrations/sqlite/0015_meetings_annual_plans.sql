-- 联席会议 (五(一)): a group's joint meetings, the member organisations that attended (each may
-- confirm its own attendance), the people who attended (name, organisation, post, as JSON) and
-- the decisions taken, each followed up at a later meeting. adopts_annual_plan: the meeting
-- adopted its own year's annual cooperation plan (the annual-plan rule reads it).
create table meetings (
    id text primary key,
    group_id text not null references pairing_groups (id),
    held_on text not null,
    place text not null,
    people text not null default '[]',
    agenda text not null default '',
    minutes text not null default '',
    adopts_annual_plan integer not null default 0,
    created_by text references users (id),
    created_at integer not null
);
-- A group's meetings by year (its tab, the meetings rule's batch load).
create index meetings_group_held_idx on meetings (group_id, held_on);

create table meeting_attendees (
    meeting_id text not null references meetings (id) on delete cascade,
    org_id text not null references organisations (id),
    confirmed_at integer,
    confirmed_by text references users (id),
    constraint meeting_attendees_pk primary key (meeting_id, org_id)
);

-- 年度合作计划: one per group and year; its items may set a target on one of the area's outcome
-- figures (money in fen) and link a project; year_end_status is unset until judged.
create table annual_plans (
    id text primary key,
    group_id text not null references pairing_groups (id),
    year integer not null,
    title text not null,
    notes text not null default '',
    created_by text references users (id),
    created_at integer not null,
    constraint annual_plans_group_year_unique unique (group_id, year)
);

create table annual_plan_items (
    id text primary key,
    plan_id text not null references annual_plans (id),
    group_id text not null references pairing_groups (id),
    area integer not null,
    text text not null,
    target_code text,
    target_amount integer,
    project_id text references projects (id),
    year_end_status text,
    year_end_note text not null default '',
    created_at integer not null,
    constraint annual_plan_items_area_positive check (area > 0),
    constraint annual_plan_items_target_whole check ((target_code is null) = (target_amount is null)),
    constraint annual_plan_items_target_positive check (target_amount is null or target_amount > 0),
    constraint annual_plan_items_status_known check (year_end_status is null or year_end_status in ('done', 'partial', 'not_done'))
);
create index annual_plan_items_plan_idx on annual_plan_items (plan_id, created_at);

-- A decision of a meeting: optionally linked to a project or an annual-plan item, owned by a
-- member organisation or by someone named in text, with a due date; followed up (status and
-- note) at a later meeting, which followed_up_in names.
create table meeting_decisions (
    id text primary key,
    meeting_id text not null references meetings (id),
    group_id text not null references pairing_groups (id),
    text text not null,
    project_id text references projects (id),
    plan_item_id text references annual_plan_items (id),
    owner_org_id text references organisations (id),
    owner_text text not null default '',
    due_on text,
    status text not null default 'open',
    follow_up text not null default '',
    followed_up_in text references meetings (id),
    followed_up_at integer,
    created_at integer not null,
    constraint meeting_decisions_status_known check (status in ('open', 'done', 'dropped'))
);
create index meeting_decisions_meeting_idx on meeting_decisions (meeting_id, created_at);
-- The open decisions of a group's earlier meetings, for the next meeting's page.
create index meeting_decisions_group_status_idx on meeting_decisions (group_id, status);

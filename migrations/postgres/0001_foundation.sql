-- Foundation: regions, organisations, plans, pairing groups with dated memberships,
-- users, sessions and the append-only audit log.
-- Types follow what sqlx's Any driver carries: TEXT, BIGINT (ms timestamps, 0/1 flags), no DATE/BOOLEAN.

create table regions (
    id text primary key,
    parent_id text references regions (id),
    level text not null,
    name text not null,
    kind_label text not null,
    constraint regions_parent_name_key unique (parent_id, name)
);
create index regions_parent_idx on regions (parent_id);

create table organisations (
    id text primary key,
    kind text not null,
    name text not null,
    region_id text not null references regions (id),
    medical_focus bigint not null default 0,
    created_at bigint not null,
    -- Names repeat across the province (many a 新村), so they are unique within their region.
    constraint organisations_region_name_key unique (region_id, name)
);
create index organisations_kind_idx on organisations (kind, name);
create index organisations_name_idx on organisations (name);

create table plans (
    id text primary key,
    code text not null,
    name text not null,
    doc_no text not null,
    issued_on text not null,
    plan_toml text not null,
    created_at bigint not null,
    constraint plans_code_key unique (code)
);

create table pairing_groups (
    id text primary key,
    plan_id text not null references plans (id),
    number bigint not null,
    lead_town_id text not null references organisations (id),
    started_on text not null,
    ended_on text,
    created_at bigint not null,
    constraint pairing_groups_plan_number_key unique (plan_id, number)
);

create table group_memberships (
    id text primary key,
    group_id text not null references pairing_groups (id),
    org_id text not null references organisations (id),
    role text not null,
    effective_from text not null,
    effective_to text,
    -- Order within the role, as the pairing table lists them.
    position bigint not null default 0,
    created_at bigint not null
);
create index group_memberships_group_idx on group_memberships (group_id);
create index group_memberships_org_idx on group_memberships (org_id, group_id);

create table users (
    id text primary key,
    username text not null,
    display_name text not null,
    org_id text not null references organisations (id),
    role text not null,
    password_hash text not null,
    must_change_password bigint not null default 0,
    failed_attempts bigint not null default 0,
    locked_until bigint,
    disabled bigint not null default 0,
    created_at bigint not null,
    constraint users_username_key unique (username)
);

create table sessions (
    token_hash text primary key,
    user_id text not null references users (id),
    csrf_token text not null,
    kind text not null,
    created_at bigint not null,
    last_seen_at bigint not null,
    ip text not null
);
create index sessions_user_idx on sessions (user_id);

create table audit_events (
    id text primary key,
    at bigint not null,
    actor_user_id text,
    actor_name text not null,
    action text not null,
    entity text not null,
    entity_id text,
    before_json text,
    after_json text,
    ip text not null
);
create index audit_events_at_idx on audit_events (at);

-- The audit log can only grow.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only';
end;
$$;
create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only();
-- TRUNCATE bypasses row triggers; refuse it too.
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only();

-- Group workspace I: agreements with their scans, service teams, on-site service and practice bases.
-- Every record belongs to a group, is dated, and is written together with its audit event.

create table attachments (
    id text primary key,
    group_id text not null references pairing_groups (id),
    owner_kind text not null,
    owner_id text not null,
    sha256 text not null,
    size_bytes bigint not null,
    content_type text not null,
    file_name text not null,
    uploaded_by text references users (id),
    created_at bigint not null
);
create index attachments_owner_idx on attachments (owner_kind, owner_id);

create table agreements (
    id text primary key,
    group_id text not null references pairing_groups (id),
    signed_on text,
    notes text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    constraint agreements_group_key unique (group_id)
);

create table agreement_parties (
    agreement_id text not null references agreements (id),
    org_id text not null references organisations (id),
    constraint agreement_parties_pkey primary key (agreement_id, org_id)
);

create table team_members (
    id text primary key,
    group_id text not null references pairing_groups (id),
    person_name text not null,
    org_id text not null references organisations (id),
    role text not null,
    title text not null,
    school_leader bigint not null default 0,
    phone text not null default '',
    joined_on text not null,
    left_on text,
    created_at bigint not null
);
create index team_members_group_idx on team_members (group_id, joined_on);

create table onsite_entries (
    id text primary key,
    group_id text not null references pairing_groups (id),
    date_from text not null,
    date_to text not null,
    place_org_id text not null references organisations (id),
    content text not null,
    confirmed_by text references users (id),
    confirmed_at bigint,
    created_by text references users (id),
    created_at bigint not null
);
-- Progress reads one group's entries overlapping one year.
create index onsite_entries_group_idx on onsite_entries (group_id, date_from, date_to);

create table onsite_entry_members (
    entry_id text not null references onsite_entries (id),
    member_id text not null references team_members (id),
    constraint onsite_entry_members_pkey primary key (entry_id, member_id)
);
create index onsite_entry_members_member_idx on onsite_entry_members (member_id);

create table practice_bases (
    id text primary key,
    group_id text not null references pairing_groups (id),
    name text not null,
    place_org_id text not null references organisations (id),
    functions text not null,
    opened_on text not null,
    description text not null default '',
    created_at bigint not null
);
create index practice_bases_group_idx on practice_bases (group_id);

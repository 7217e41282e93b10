-- 典型案例与新闻 (五(四)): see the SQLite migration of the same number.
create table cases (
    id text primary key,
    group_id text not null references pairing_groups (id),
    kind text not null check (kind in ('case', 'news')),
    title text not null,
    area bigint,
    summary text not null,
    body text not null,
    state text not null check (state in ('draft', 'submitted', 'returned', 'published', 'unpublished')),
    review_comment text,
    written_by text not null,
    written_by_org_id text not null references organisations (id),
    submitted_at bigint,
    reviewed_at bigint,
    reviewed_by text,
    published_at bigint,
    published_on text,
    created_at bigint not null,
    updated_at bigint not null
);
create index cases_group_idx on cases (group_id, created_at);
create index cases_published_idx on cases (state, published_on);

create constraint trigger data_version_cases_write after insert or delete on cases deferrable initially deferred for each row execute function bump_data_version('group');
create constraint trigger data_version_cases_update after update on cases deferrable initially deferred for each row when (old.* is distinct from new.*) execute function bump_data_version('group');

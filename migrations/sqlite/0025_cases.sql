-- 典型案例与新闻 (五(四)): a group writes a typical case or a news item; the bureau reviews it
-- (返回修改 / 通过); once published it is on the public pages until the bureau takes it down.
-- The body is stored sanitised (domain::case::clean_body). Publicity (rule publicity) counts a
-- group's items published in a year, so the table moves the data version like the group's other
-- records (migration 0024): its group's row of group_versions.
create table cases (
    id text primary key,
    group_id text not null references pairing_groups (id),
    kind text not null check (kind in ('case', 'news')),
    title text not null,
    area integer,
    summary text not null,
    body text not null,
    state text not null check (state in ('draft', 'submitted', 'returned', 'published', 'unpublished')),
    review_comment text,
    written_by text not null,
    written_by_org_id text not null references organisations (id),
    submitted_at integer,
    reviewed_at integer,
    reviewed_by text,
    published_at integer,
    published_on text,
    created_at integer not null,
    updated_at integer not null
);
create index cases_group_idx on cases (group_id, created_at);
create index cases_published_idx on cases (state, published_on);

create trigger data_version_cases_insert after insert on cases begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_cases_update after update on cases when old.id is not new.id or old.group_id is not new.group_id or old.kind is not new.kind or old.title is not new.title or old.area is not new.area or old.summary is not new.summary or old.body is not new.body or old.state is not new.state or old.review_comment is not new.review_comment or old.written_by is not new.written_by or old.written_by_org_id is not new.written_by_org_id or old.submitted_at is not new.submitted_at or old.reviewed_at is not new.reviewed_at or old.reviewed_by is not new.reviewed_by or old.published_at is not new.published_at or old.published_on is not new.published_on or old.created_at is not new.created_at or old.updated_at is not new.updated_at begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_cases_delete after delete on cases begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

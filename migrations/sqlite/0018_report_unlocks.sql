-- 解锁申请 (五(三)): once a school's monthly report is accepted, the records of its groups dated
-- in that month are locked (the check reads monthly_reports; nothing is stored per record). A
-- school asks to unlock its accepted report with a reason; the bureau grants it (the report goes
-- back to 'returned', its versions and first submission kept) or refuses it. At most one open
-- request per report at a time, backed by the partial unique index.
create table report_unlocks (
    id text primary key,
    report_id text not null references monthly_reports (id),
    state text not null default 'open',
    reason text not null,
    requested_by text not null references users (id),
    requested_at integer not null,
    decided_by text references users (id),
    decided_at integer,
    decision_comment text not null default '',
    constraint report_unlocks_state_check check (state in ('open', 'granted', 'refused'))
);
create unique index report_unlocks_one_open on report_unlocks (report_id) where state = 'open';
create index report_unlocks_queue_idx on report_unlocks (state, requested_at);

-- 月度进展报告 (五(三)): one report per signing school per month, from the plan's first report
-- month. A row exists once the school (or the pre-fill) first touches the month; until then the
-- report is an untouched draft. `version` counts submissions; each submission's content is kept
-- in monthly_report_versions with the review it got. first_submitted_at never changes once set
-- (a returned and resubmitted report keeps its timeliness); paper = 1 when the bureau accepted a
-- paper copy after submissions closed (the report stays 未报).
create table monthly_reports (
    id text primary key,
    plan_id text not null references plans (id),
    school_id text not null references organisations (id),
    month text not null,
    state text not null,
    version integer not null default 0,
    prefill text not null default '{}',
    prefilled_at bigint,
    narrative text not null default '{}',
    problems text not null default '',
    next_plan text not null default '',
    first_submitted_at bigint,
    last_submitted_at bigint,
    reviewed_at bigint,
    reviewed_by text references users (id),
    review_comment text not null default '',
    paper integer not null default 0,
    created_at bigint not null,
    updated_at bigint not null,
    constraint monthly_reports_school_month_unique unique (plan_id, school_id, month),
    constraint monthly_reports_state_check check (state in ('draft', 'submitted', 'returned', 'accepted'))
);
create index monthly_reports_month_idx on monthly_reports (plan_id, month, state);

-- Every submitted version, as it was submitted, and the review it got (accepted / returned).
create table monthly_report_versions (
    id text primary key,
    report_id text not null references monthly_reports (id),
    version integer not null,
    content text not null,
    submitted_at bigint not null,
    submitted_by text not null references users (id),
    review text,
    review_comment text not null default '',
    reviewed_at bigint,
    reviewed_by text references users (id),
    constraint monthly_report_versions_unique unique (report_id, version)
);

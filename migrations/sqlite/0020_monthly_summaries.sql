-- 月度汇总 (五(三)): the bureau's summary of month M for HQ, one per plan and month. The text
-- (title, intro, highlights, problems, next steps) is the bureau's to edit while the summary is a
-- draft; snapshot is the status table and figures as last generated (JSON), so a regeneration
-- refreshes the figures and keeps the edited text. Every edit's before/after is in the audit log.
-- Once sent (state 'sent') HQ reads it and it is read-only; a recall returns it to draft.
create table monthly_summaries (
    id text primary key,
    plan_id text not null references plans (id),
    month text not null,
    state text not null,
    title text not null,
    intro text not null default '',
    highlights text not null default '',
    problems text not null default '',
    next_steps text not null default '',
    snapshot text not null default '{}',
    generated_at integer not null,
    generated_by text not null references users (id),
    updated_at integer not null,
    updated_by text not null references users (id),
    sent_at integer,
    sent_by text references users (id),
    constraint monthly_summaries_month_unique unique (plan_id, month),
    constraint monthly_summaries_state_check check (state in ('draft', 'sent'))
);

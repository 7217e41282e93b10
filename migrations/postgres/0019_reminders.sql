-- 五(三) reminders: in-app notifications, each organisation's group robots (企业微信 / 钉钉 /
-- generic JSON webhooks), their outbound deliveries, and the scheduler's record of which reminder
-- job ran for which report month.

-- A notification is addressed to an organisation; every user of it sees it, and reading it marks
-- it read for the organisation (one desk per school: whoever handles it, it is handled).
create table notifications (
    id text primary key,
    org_id text not null references organisations (id),
    kind text not null,
    title text not null,
    body text not null,
    link text not null default '',
    created_at bigint not null,
    read_at bigint,
    read_by text references users (id)
);
create index notifications_org_idx on notifications (org_id, created_at);

-- A group robot of an organisation. url carries the robot's secret: stored, shown masked, never
-- logged; secret is the optional 钉钉 加签 secret (SEC…).
create table org_webhooks (
    id text primary key,
    org_id text not null references organisations (id),
    kind text not null,
    name text not null default '',
    url text not null,
    secret text not null default '',
    enabled integer not null default 1,
    created_at bigint not null,
    updated_at bigint not null,
    constraint org_webhooks_kind_check check (kind in ('wecom', 'dingtalk', 'generic'))
);
create index org_webhooks_org_idx on org_webhooks (org_id);

-- One message to one robot for one job and period. A sender claims it by setting lease_until
-- (and its own lease_token) with a conditional update, so two instances never send it twice.
create table webhook_deliveries (
    id text primary key,
    webhook_id text not null references org_webhooks (id),
    job text not null,
    period text not null,
    body text not null,
    status text not null,
    attempts integer not null default 0,
    next_attempt_at bigint not null,
    last_error text not null default '',
    sent_at bigint,
    lease_until bigint,
    lease_token text,
    created_at bigint not null,
    constraint webhook_deliveries_unique unique (webhook_id, job, period),
    constraint webhook_deliveries_status_check check (status in ('pending', 'sent', 'failed'))
);
create index webhook_deliveries_due_idx on webhook_deliveries (status, next_attempt_at);

-- Exactly once: a job for a period runs when its row is inserted; a second instance (or a
-- restarted server) fails on the primary key and skips it.
create table reminder_runs (
    job text not null,
    period text not null,
    ran_at bigint not null,
    notifications integer not null default 0,
    deliveries integer not null default 0,
    constraint reminder_runs_pkey primary key (job, period)
);

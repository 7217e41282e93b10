-- 重大事项 (五(一)): a group's major matter, reported directly to HQ (市"百千万工程"指挥部) the
-- moment it is submitted on the platform. raised_on is the day the matter arose (typed by the
-- user); reported_at the submission moment and reported_on its Asia/Shanghai date, which the
-- escalation rule compares with raised_on. HQ acknowledges and replies; the status is derived.
create table major_matters (
    id text primary key,
    group_id text not null references pairing_groups (id),
    summary text not null,
    details text not null default '',
    urgency text not null,
    raised_on text not null,
    reported_at bigint not null,
    reported_on text not null,
    raised_by text not null references users (id),
    -- The organisation that raised it: its users may correct or withdraw it until HQ acknowledges.
    raised_by_org_id text not null references organisations (id),
    acknowledged_at bigint,
    acknowledged_by text references users (id),
    reply text,
    replied_at bigint,
    replied_by text references users (id),
    constraint major_matters_urgency_check check (urgency in ('normal', 'urgent', 'critical'))
);
-- A group's matters per year (its tab and the escalation rule's batch load).
create index major_matters_group_raised_idx on major_matters (group_id, raised_on);
-- HQ's queue: unacknowledged first, oldest report first.
create index major_matters_queue_idx on major_matters (acknowledged_at, reported_at);

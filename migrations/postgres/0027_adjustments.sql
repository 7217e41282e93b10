-- 结对调整 (动态调整, 五(三) "根据评价情况和三方合作成效及意愿，动态调整合作关系"): HQ ends a
-- membership of a group or adds one, on one of the document's grounds, as a body decided, from
-- an effective date. Nothing is deleted: an ending sets the membership's effective_to (exclusive)
-- to the effective date, an addition is a new membership from it; each membership names the
-- adjustment that started or ended it, so a group's timeline can say why. The verdicts read the
-- memberships (a "global" table, 0024), not this table, so it needs no data-version trigger.
create table adjustments (
    id text primary key,
    group_id text not null references pairing_groups (id),
    -- evaluation (评价结果), effectiveness (三方合作成效), willingness (合作意愿),
    -- typical_list (典型镇村名单调整).
    grounds text not null,
    -- The body or meeting that decided, e.g. 市指挥部2025年第2次会议.
    decided_by text not null,
    effective_on text not null,
    -- For a party added: the day its supplementary agreement is due (the agreement rule's own
    -- deadline, the effective date plus the plan's months); null when no party joins.
    supplementary_due text,
    -- Whether the service team has to be reworked (a school left or joined), and how.
    team_rework integer not null default 0,
    note text not null default '',
    recorded_by text not null references users (id),
    created_at bigint not null,
    constraint adjustments_grounds_check
        check (grounds in ('evaluation', 'effectiveness', 'willingness', 'typical_list'))
);
create index adjustments_group_idx on adjustments (group_id, effective_on);

alter table group_memberships add column started_by_adjustment text references adjustments (id);
alter table group_memberships add column ended_by_adjustment text references adjustments (id);

-- The memberships' update trigger compares whole rows (0024), the two new columns with them.

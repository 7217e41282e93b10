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
    created_at integer not null,
    constraint adjustments_grounds_check
        check (grounds in ('evaluation', 'effectiveness', 'willingness', 'typical_list'))
);
create index adjustments_group_idx on adjustments (group_id, effective_on);

alter table group_memberships add column started_by_adjustment text references adjustments (id);
alter table group_memberships add column ended_by_adjustment text references adjustments (id);

-- The memberships' update trigger compares every column (0024), the two new ones too.
drop trigger data_version_group_memberships_update;
create trigger data_version_group_memberships_update after update on group_memberships when old.id is not new.id or old.group_id is not new.group_id or old.org_id is not new.org_id or old.role is not new.role or old.effective_from is not new.effective_from or old.effective_to is not new.effective_to or old.position is not new.position or old.created_at is not new.created_at or old.started_by_adjustment is not new.started_by_adjustment or old.ended_by_adjustment is not new.ended_by_adjustment begin update data_version set n = n + 1, global_n = n + 1 where id = 1; end;

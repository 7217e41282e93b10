-- 补充协议 (四(二), 结对调整 五(三)): a party added to a group by an adjustment signs an agreement
-- of its own (see the SQLite migration of the same number). `adjustment_id` is null for the
-- group's tripartite agreement (still one per group) and names the adjustment a supplementary
-- agreement answers (one per adjustment). The data-version triggers (0024) compare whole rows
-- and need no change.
alter table agreements add column adjustment_id text references adjustments (id);
alter table agreements drop constraint agreements_group_key;
create unique index agreements_group_key on agreements (group_id) where adjustment_id is null;
create unique index agreements_adjustment_key on agreements (adjustment_id);
-- The facts loader reads every agreement of a set of groups: the partial key above serves only
-- the tripartite one.
create index agreements_group_idx on agreements (group_id);

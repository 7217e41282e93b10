-- 补充协议 (四(二), 结对调整 五(三)): a party added to a group by an adjustment signs an agreement
-- of its own within the plan's months of joining; the tripartite agreement the founding parties
-- signed does not bind it (the evaluator counts only an agreement signed since a party joined).
-- Both live in `agreements`, so the facts loader and the data-version triggers read them alike:
-- `adjustment_id` is null for the group's tripartite agreement (still one per group) and names
-- the adjustment a supplementary agreement answers (one per adjustment).
--
-- SQLite cannot drop the unique (group_id) constraint of 0002, so the table is rebuilt. Not by
-- the usual create-new / drop / rename: the rename fails while the agreement_parties triggers
-- (0024) name a table that is gone, and dropping the parent of agreement_parties inside this
-- transaction would leave deferred foreign-key violations that fail the commit. Instead the
-- parties are set aside and the table is dropped and created again under its own name, so
-- nothing that refers to `agreements` by name (the parties' foreign key, their triggers) changes.
create table agreements_before_0028 as select * from agreements;
create table agreement_parties_before_0028 as select * from agreement_parties;
delete from agreement_parties;
drop table agreements;

create table agreements (
    id text primary key,
    group_id text not null references pairing_groups (id),
    signed_on text,
    notes text not null default '',
    created_at integer not null,
    updated_at integer not null,
    adjustment_id text references adjustments (id)
);
create unique index agreements_group_key on agreements (group_id) where adjustment_id is null;
create unique index agreements_adjustment_key on agreements (adjustment_id);
-- The facts loader reads every agreement of a set of groups: the partial key above serves only
-- the tripartite one.
create index agreements_group_idx on agreements (group_id);

insert into agreements (id, group_id, signed_on, notes, created_at, updated_at)
    select id, group_id, signed_on, notes, created_at, updated_at from agreements_before_0028;
insert into agreement_parties (agreement_id, org_id)
    select agreement_id, org_id from agreement_parties_before_0028;
drop table agreements_before_0028;
drop table agreement_parties_before_0028;

-- The table's triggers went with it (0024's, as they stood); the update trigger compares every
-- column, the new one too.
create trigger data_version_agreements_insert after insert on agreements begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_agreements_update after update on agreements when old.id is not new.id or old.group_id is not new.group_id or old.signed_on is not new.signed_on or old.notes is not new.notes or old.created_at is not new.created_at or old.updated_at is not new.updated_at or old.adjustment_id is not new.adjustment_id begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; insert into group_versions (group_id, n) select new.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;
create trigger data_version_agreements_delete after delete on agreements begin update data_version set n = n + 1 where id = 1; insert into group_versions (group_id, n) select old.group_id, n from data_version where id = 1 on conflict (group_id) do update set n = excluded.n; end;

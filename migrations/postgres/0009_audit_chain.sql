-- A tamper-evident audit trail (网络安全法 §21, GB/T 22239 8.1.4.3): every entry carries its place in
-- one linear chain (seq), the hash of the entry before it (prev_hash) and its own hash, a sha256
-- over its fields and prev_hash (see src/store/audit.rs for the exact encoding). Deleting, changing
-- or slipping in a row breaks the chain, and `xiaodi audit verify` names where.
alter table audit_events add column seq bigint;
alter table audit_events add column prev_hash text;
alter table audit_events add column hash text;
create unique index audit_events_seq_key on audit_events (seq);

-- The chain's head: the last seq and hash. Every append updates this one row first, which
-- serialises appends (the row lock is held until the appending transaction commits), so the
-- chain stays linear with several writers and several instances. legacy_pending: the rows written
-- before this migration are still to be chained, once, by the application (one code path for
-- both databases).
create table audit_chain (
    id bigint primary key,
    last_seq bigint not null,
    last_hash text not null,
    legacy_pending bigint not null,
    constraint audit_chain_single_row check (id = 1)
);
insert into audit_chain (id, last_seq, last_hash, legacy_pending)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1);
create function audit_chain_keep_head() returns trigger language plpgsql as $$
begin
    raise exception 'audit_chain keeps its head row';
end;
$$;
create trigger audit_chain_no_delete before delete on audit_chain
    for each row execute function audit_chain_keep_head();
create trigger audit_chain_no_truncate before truncate on audit_chain
    for each statement execute function audit_chain_keep_head();

-- Entries stay append-only; the one update allowed gives a row written before this migration
-- its place in the chain (its hash is still null).
create or replace function audit_events_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' then
        if old.hash is null then
            return new;
        end if;
    end if;
    raise exception 'audit_events is append-only';
end;
$$;

-- 经费 (四(二)): who paid what for the group's work, in whole fen (no floating point). A
-- contribution in kind (a town's office space) may have no estimated value (amount_fen null).
-- Shares only where the parties agreed to share; each share keeps the fen it bears, so the
-- totals per party are integer sums that add up to the amounts exactly.
create table expenses (
    id text primary key,
    group_id text not null references pairing_groups (id),
    spent_on text not null,
    amount_fen integer,
    payer_org_id text not null references organisations (id),
    kind text not null,
    in_kind integer not null default 0,
    initiator_org_id text references organisations (id),
    notes text not null default '',
    created_by text references users (id),
    created_at integer not null,
    constraint expenses_amount_positive check (amount_fen is null or amount_fen > 0),
    constraint expenses_amount_or_in_kind check (amount_fen is not null or in_kind = 1),
    constraint expenses_kind_known check (kind in ('transport', 'living_allowance', 'office_equipment', 'major_activity', 'other'))
);
-- The group's list and totals by year (spent_on is YYYY-MM-DD, so a year is a range of it).
create index expenses_group_date_idx on expenses (group_id, spent_on);

create table expense_shares (
    expense_id text not null references expenses (id) on delete cascade,
    org_id text not null references organisations (id),
    basis_points integer not null,
    amount_fen integer,
    constraint expense_shares_pk primary key (expense_id, org_id),
    constraint expense_shares_range check (basis_points > 0 and basis_points <= 10000)
);

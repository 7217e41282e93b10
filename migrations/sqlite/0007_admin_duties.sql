-- 三权分立 (issue 7 point 3): an account with a business role signs in only once a security
-- administrator has approved it, and a change of role (with the organisation that goes with
-- it: each business role fits one kind of organisation) waits in pending_role / pending_org_id
-- until approved. Accounts that exist before this migration were made by first start, the preset or
-- the command line, and keep working: the default marks them approved.
alter table users add column approval text not null default 'approved'
    constraint users_approval_check check (approval in ('pending', 'approved', 'rejected'));
alter table users add column pending_role text;
alter table users add column pending_org_id text
    constraint users_pending_org_id_fkey references organisations (id);
create index users_approval_idx on users (approval);

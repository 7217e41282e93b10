-- 三权分立 (issue 7 point 3): an account with a business role signs in only once a security
-- administrator has approved it, and a change to a business role waits in pending_role until
-- approved. Accounts that exist before this migration were made by first start, the preset or
-- the command line, and keep working: the default marks them approved.
alter table users add column approval text not null default 'approved'
    constraint users_approval_check check (approval in ('pending', 'approved', 'rejected'));
alter table users add column pending_role text;
create index users_approval_idx on users (approval);

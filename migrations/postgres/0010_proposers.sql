-- 三权分立 (review finding 1): whoever proposes what waits for approval may not approve it.
-- created_by is the administrator who created an account on the platform (null for first start,
-- the preset and the server's command line, which admit accounts at once); role_proposed_by is
-- the administrator who last changed the role (and organisation) still to be approved: a
-- pending role change, or the role of an account not yet admitted.
alter table users add column created_by text
    constraint users_created_by_fkey references users (id);
alter table users add column role_proposed_by text
    constraint users_role_proposed_by_fkey references users (id);

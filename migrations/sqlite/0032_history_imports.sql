-- 历史补录: a workbook of past records imported once, all or nothing (issue 14). The digest of the
-- workbook is unique, so the same workbook cannot be imported twice; every record it wrote names
-- the import, for its page to say so.
create table history_imports (
    id text primary key,
    sha256 text not null,
    file_name text not null,
    files_name text,
    imported_by text references users (id),
    imported_by_name text not null,
    imported_at integer not null,
    counts text not null,
    constraint history_imports_sha256_key unique (sha256)
);
alter table team_members add column history_import_id text references history_imports (id);
alter table agreements add column history_import_id text references history_imports (id);
alter table onsite_entries add column history_import_id text references history_imports (id);
alter table monthly_reports add column history_import_id text references history_imports (id);

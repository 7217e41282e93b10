-- A past monthly report's own file (the Word or PDF document the school sent before the
-- platform), brought in by the history import (issue 14). Reports belong to a school, not to a
-- group, so their files are not group attachments; the content is stored by digest as theirs is.
create table monthly_report_files (
    id text primary key,
    report_id text not null references monthly_reports (id),
    sha256 text not null,
    size_bytes bigint not null,
    content_type text not null,
    file_name text not null,
    uploaded_by text references users (id),
    created_at bigint not null
);
create index monthly_report_files_report_idx on monthly_report_files (report_id);
create index monthly_report_files_sha256_idx on monthly_report_files (sha256);

//! Integration tests: one binary, every story against the real server over HTTP,
//! on SQLite and (with XIAODI_TEST_POSTGRES_URL) on PostgreSQL.

mod helpers;

mod accounts;
mod adjustments;
mod api_writes;
mod audit_chain;
mod audit_log;
mod auth;
mod authorisation;
mod backfill;
mod backup;
mod bases_agreement;
mod bench_smoke;
mod cases;
mod commendations;
mod coordination;
mod demo;
mod doors;
mod duties;
mod evaluations;
mod expense_import;
mod expenses;
mod facts;
mod forgiving;
mod glance;
// 操作手册 (issue 14).
mod guide;
mod imports;
// Two `xiaodi serve` processes on one database (issue 13).
mod instances;
mod locks;
mod matters;
mod meetings;
mod objects;
mod onsite;
mod openapi;
mod platform;
mod preset;
mod projects;
mod record_history;
mod reminders;
mod report_rates;
mod second_factor;
mod store_concurrency;
mod summaries;
// 补充协议 (四(二), 五(三)).
mod supplementary;
mod team;
// The sign-in count shared by instances through the database (issue 13).
mod throttle;
mod work_plan;
mod workbench;
mod workspace;
// 五(三) 月度进展报告.
mod monthly_reports;
// 结对组卡片, 统计图表, 公开概览.
mod cards;
// The compliance matrix (issue 11).
mod judged;
mod matrix;
mod plan_versions;

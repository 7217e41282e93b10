//! The web UI (server-rendered HTML, works without JavaScript): its pages and their routes.

pub mod admin;
pub mod audit;
pub mod backfill;
pub mod commendations;
pub mod errors;
pub mod evaluations;
pub mod forms;
pub mod groups;
pub mod guide;
pub mod import;
pub mod matrix;
pub mod multipart;
pub mod orgs;
pub mod pages;
pub mod plan_versions;
mod qr;
pub mod reminders;
pub mod report_rates;
pub mod reports;
pub mod second_factor;
pub mod session;
pub mod summaries;
pub mod unlocks;
pub mod workbench;
pub mod workspace;
// 结对组卡片, 统计图表, 公开概览.
pub mod cards;
pub mod charts;
pub mod public;
pub mod statistics;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::http::UPLOAD_LIMIT;

/// The routes of the HTML pages (`app::router` puts them together with the API).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(workbench::get_workbench))
        .route("/groups", get(groups::list_groups))
        .route("/groups/export.xlsx", get(groups::export_groups))
        .route("/groups/{id}", get(workspace::get_group))
        .route(
            "/groups/{id}/agreement",
            get(workspace::agreement::get_agreement)
                .post(workspace::agreement::save_agreement)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/agreement/withdraw",
            get(workspace::agreement::withdraw_form).post(workspace::agreement::withdraw_agreement),
        )
        .route(
            "/groups/{id}/agreement/scans/{scan}/remove",
            get(workspace::agreement::remove_scan_form).post(workspace::agreement::remove_scan),
        )
        .route(
            "/groups/{id}/agreement/supplementary/{adjustment}",
            get(workspace::agreement::get_supplementary)
                .post(workspace::agreement::save_supplementary)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/agreement/supplementary/{adjustment}/withdraw",
            get(workspace::agreement::withdraw_supplementary_form)
                .post(workspace::agreement::withdraw_supplementary),
        )
        .route(
            "/groups/{id}/agreement/supplementary/{adjustment}/scans/{scan}/remove",
            get(workspace::agreement::remove_supplementary_scan_form)
                .post(workspace::agreement::remove_supplementary_scan),
        )
        .route(
            "/groups/{id}/team",
            get(workspace::team::get_team).post(workspace::team::add_member),
        )
        .route(
            "/groups/{id}/team/export.xlsx",
            get(workspace::team::export_team),
        )
        .route(
            "/groups/{id}/team/{member}/edit",
            get(workspace::member::edit_form).post(workspace::member::update),
        )
        .route(
            "/groups/{id}/team/{member}/withdraw",
            get(workspace::member::withdraw_form).post(workspace::member::withdraw),
        )
        .route(
            "/groups/{id}/team/{member}/leave",
            get(workspace::member::leave_form).post(workspace::member::leave),
        )
        .route(
            "/groups/{id}/onsite",
            get(workspace::onsite::list_onsite).post(workspace::onsite::add_entry),
        )
        .route(
            "/groups/{id}/onsite/export.xlsx",
            get(workspace::onsite::export_onsite),
        )
        .route(
            "/groups/{id}/onsite/import",
            post(workspace::onsite::import_onsite),
        )
        .route(
            "/groups/{id}/onsite/{entry}/delete",
            get(workspace::onsite::delete_form).post(workspace::onsite::delete_entry),
        )
        .route(
            "/groups/{id}/onsite/{entry}/edit",
            get(workspace::onsite::edit_form).post(workspace::onsite::update_entry),
        )
        .route(
            "/groups/{id}/onsite/{entry}/unconfirm",
            get(workspace::onsite::unconfirm_form).post(workspace::onsite::unconfirm_entry),
        )
        .route(
            "/groups/{id}/onsite/{entry}/confirm",
            post(workspace::onsite::confirm_entry),
        )
        .route(
            "/groups/{id}/bases",
            get(workspace::bases::list_bases)
                .post(workspace::bases::add_base)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/bases/export.xlsx",
            get(workspace::bases::export_bases),
        )
        .route(
            "/groups/{id}/bases/{base}/edit",
            get(workspace::bases::edit_form).post(workspace::bases::update_base),
        )
        .route(
            "/groups/{id}/bases/{base}/photos",
            get(workspace::bases::photos_page)
                .post(workspace::bases::add_photos)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/bases/{base}/photos/{photo}/remove",
            get(workspace::bases::remove_photo_form).post(workspace::bases::remove_photo),
        )
        .route(
            "/groups/{id}/bases/{base}/withdraw",
            get(workspace::bases::withdraw_form).post(workspace::bases::withdraw_base),
        )
        .route(
            "/groups/new",
            get(workspace::adjustments::new_group_form).post(workspace::adjustments::create_group),
        )
        .route(
            "/groups/new/confirm",
            post(workspace::adjustments::confirm_new_group),
        )
        .route(
            "/groups/{id}/adjustments",
            get(workspace::adjustments::adjustments_tab)
                .post(workspace::adjustments::add_adjustment),
        )
        .route(
            "/groups/{id}/adjustments/{adjustment}",
            get(workspace::adjustments::fix_form).post(workspace::adjustments::fix_adjustment),
        )
        .route(
            "/groups/{id}/adjustments/confirm",
            post(workspace::adjustments::confirm_adjustment),
        )
        .route(
            "/groups/{id}/matters",
            get(workspace::matters::list_matters).post(workspace::matters::add_matter),
        )
        .route(
            "/groups/{id}/matters/{matter}",
            get(workspace::matters::get_matter).post(workspace::matters::update_matter),
        )
        .route(
            "/groups/{id}/matters/{matter}/withdraw",
            get(workspace::matters::withdraw_form).post(workspace::matters::withdraw_matter),
        )
        .route(
            "/groups/{id}/matters/{matter}/acknowledge",
            get(workspace::matters::back_to_matter).post(workspace::matters::acknowledge_matter),
        )
        .route(
            "/groups/{id}/matters/{matter}/reply",
            get(workspace::matters::back_to_matter).post(workspace::matters::reply_matter),
        )
        .route(
            "/groups/{id}/coordination",
            get(workspace::coordination::list_coordinators)
                .post(workspace::coordination::add_coordinator),
        )
        .route(
            "/groups/{id}/coordination/export.xlsx",
            get(workspace::coordination::export_coordinators),
        )
        .route(
            "/groups/{id}/coordination/{person}",
            get(workspace::coordination::edit_form)
                .post(workspace::coordination::update_coordinator),
        )
        .route(
            "/groups/{id}/coordination/{person}/withdraw",
            get(workspace::coordination::withdraw_form)
                .post(workspace::coordination::withdraw_coordinator),
        )
        .route(
            "/groups/{id}/expenses/import",
            get(workspace::expense_import::import_form)
                .post(workspace::expense_import::import_expenses),
        )
        .route(
            "/groups/{id}/work-plan",
            get(workspace::work_plan::work_plan)
                .post(workspace::work_plan::save_work_plan)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/work-plan/files/{file}/remove",
            get(workspace::work_plan::remove_file_form).post(workspace::work_plan::remove_file),
        )
        .route("/matters", get(workspace::matters::matter_queue))
        // 五(四): typical cases and news; the bureau's queue and its export.
        .route(
            "/groups/{id}/cases",
            get(workspace::cases::list_cases).post(workspace::cases::add_case),
        )
        .route(
            "/groups/{id}/cases/export.xlsx",
            get(workspace::cases::export_cases),
        )
        .route(
            "/groups/{id}/cases/{case}",
            get(workspace::cases::get_case).post(workspace::cases::update_case),
        )
        .route(
            "/groups/{id}/cases/{case}/submit",
            get(workspace::cases::back_to_case).post(workspace::cases::submit_case),
        )
        .route(
            "/groups/{id}/cases/{case}/withdraw",
            get(workspace::cases::withdraw_form).post(workspace::cases::withdraw_case),
        )
        .route(
            "/groups/{id}/cases/{case}/publish",
            get(workspace::cases::back_to_case).post(workspace::cases::publish_case),
        )
        .route(
            "/groups/{id}/cases/{case}/return",
            get(workspace::cases::back_to_case).post(workspace::cases::return_case),
        )
        .route(
            "/groups/{id}/cases/{case}/unpublish",
            get(workspace::cases::unpublish_form).post(workspace::cases::unpublish_case),
        )
        .route(
            "/groups/{id}/cases/{case}/images",
            get(workspace::cases::back_to_case)
                .post(workspace::cases::add_images)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/cases/{case}/images/{image}/remove",
            get(workspace::cases::remove_image_form).post(workspace::cases::remove_image),
        )
        .route("/cases", get(workspace::cases::case_queue))
        .route(
            "/cases/export.xlsx",
            get(workspace::cases::export_case_queue),
        )
        .route(
            "/matters/export.xlsx",
            get(workspace::matters::export_matter_queue),
        )
        .route(
            "/groups/{id}/matters/export.xlsx",
            get(workspace::matters::export_matters),
        )
        .route(
            "/groups/{id}/expenses",
            get(workspace::expenses::list_expenses).post(workspace::expenses::add_expense),
        )
        .route(
            "/groups/{id}/expenses/export.xlsx",
            get(workspace::expenses::export_expenses),
        )
        .route(
            "/groups/{id}/expenses/{expense}/edit",
            get(workspace::expenses::edit_form).post(workspace::expenses::update_expense),
        )
        .route(
            "/groups/{id}/expenses/{expense}/withdraw",
            get(workspace::expenses::withdraw_form).post(workspace::expenses::withdraw_expense),
        )
        .route(
            "/groups/{id}/meetings",
            get(workspace::meetings::list_meetings).post(workspace::meetings::add_meeting),
        )
        .route(
            "/groups/{id}/meetings/export.xlsx",
            get(workspace::meetings::export_meetings),
        )
        .route(
            "/groups/{id}/meetings/decisions.xlsx",
            get(workspace::meetings::export_decisions),
        )
        .route(
            "/groups/{id}/meetings/{meeting}",
            get(workspace::meetings::get_meeting),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/edit",
            get(workspace::meetings::edit_form).post(workspace::meetings::update_meeting),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/withdraw",
            get(workspace::meetings::withdraw_form).post(workspace::meetings::withdraw_meeting),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/attendance",
            post(workspace::meetings::confirm_attendance),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/attendance/undo",
            post(workspace::meetings::unconfirm_attendance),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/decisions",
            post(workspace::meetings::add_decision),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/decisions/{decision}",
            get(workspace::meetings::edit_decision_form).post(workspace::meetings::update_decision),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/follow-up/{decision}",
            post(workspace::meetings::follow_up),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/papers",
            post(workspace::meetings::add_papers).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/meetings/{meeting}/papers/{file}/remove",
            get(workspace::meetings::remove_paper_form).post(workspace::meetings::remove_paper),
        )
        .route(
            "/groups/{id}/annual-plan",
            get(workspace::annual_plans::get_plan),
        )
        .route(
            "/groups/{id}/annual-plan/{year}",
            post(workspace::annual_plans::save_plan),
        )
        .route(
            "/groups/{id}/annual-plan/{year}/export.xlsx",
            get(workspace::annual_plans::export_plan),
        )
        .route(
            "/groups/{id}/annual-plan/{year}/items",
            post(workspace::annual_plans::add_item),
        )
        .route(
            "/groups/{id}/annual-plan/{year}/items/{item}/edit",
            get(workspace::annual_plans::edit_form).post(workspace::annual_plans::update_item),
        )
        .route(
            "/groups/{id}/annual-plan/{year}/items/{item}/withdraw",
            get(workspace::annual_plans::withdraw_form)
                .post(workspace::annual_plans::withdraw_item),
        )
        .route(
            "/groups/{id}/records/{kind}/{record}/history",
            get(workspace::record_history),
        )
        .route("/files/{id}", get(workspace::download_file))
        .route("/organisations", get(orgs::list_organisations))
        .route(
            "/organisations/export.xlsx",
            get(orgs::export_organisations),
        )
        .route("/regions", get(orgs::list_regions))
        .route("/plan", get(orgs::get_plan))
        // 操作手册: every role's chapter, for every signed-in user; the same as a docx.
        .route("/guide", get(guide::get_guide))
        .route("/guide.docx", get(guide::guide_docx))
        .route("/guide/{role}", get(guide::get_chapter))
        .route("/reports/rates", get(report_rates::report_rates))
        .route("/login", get(session::login_form).post(session::login))
        .route(
            "/login/second-factor",
            get(second_factor::second_factor_form).post(second_factor::submit_second_factor),
        )
        .route("/logout", post(session::logout))
        .route(
            "/account/password",
            get(session::password_form).post(session::change_password),
        )
        .route(
            "/import/pairings",
            get(import::pairings_form).post(import::import_pairings),
        )
        .route(
            "/import/history",
            get(backfill::form)
                .post(backfill::submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/import/history/template.xlsx", get(backfill::template))
        .route(
            "/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/admin/users/new", get(admin::user_form))
        .route("/admin/approvals", get(admin::list_approvals))
        .route("/admin/users/import", post(admin::import_users))
        .route("/admin/users/export.xlsx", get(admin::export_users))
        .route(
            "/admin/users/{id}/{action}",
            get(admin::confirm_action).post(admin::apply_action),
        )
        .route(
            "/admin/users/{id}/second-factor/reset",
            get(second_factor::reset_form).post(second_factor::reset),
        )
        .route("/audit", get(audit::list_audit))
        .route("/audit/export.xlsx", get(audit::export_audit))
        .route(
            "/groups/{id}/projects",
            get(workspace::projects::list_projects).post(workspace::projects::add_project),
        )
        .route(
            "/groups/{id}/projects/export.xlsx",
            get(workspace::projects::export_projects),
        )
        .route(
            "/groups/{id}/projects/import",
            post(workspace::projects::import_projects),
        )
        .route(
            "/groups/{id}/projects/{project}",
            get(workspace::projects::get_project),
        )
        .route(
            "/groups/{id}/projects/{project}/edit",
            get(workspace::projects::edit_form).post(workspace::projects::update_project),
        )
        .route(
            "/groups/{id}/projects/{project}/withdraw",
            get(workspace::projects::withdraw_form).post(workspace::projects::withdraw_project),
        )
        .route(
            "/groups/{id}/projects/{project}/updates",
            post(workspace::projects::add_update),
        )
        .route(
            "/groups/{id}/projects/{project}/updates/{update}/edit",
            get(workspace::projects::update_edit_form).post(workspace::projects::correct_update),
        )
        .route(
            "/groups/{id}/projects/{project}/updates/{update}/withdraw",
            get(workspace::projects::update_withdraw_form)
                .post(workspace::projects::withdraw_update),
        )
        .route(
            "/groups/{id}/projects/{project}/files",
            post(workspace::projects::add_files).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/projects/{project}/files/{file}/remove",
            get(workspace::projects::remove_file_form).post(workspace::projects::remove_file),
        )
        .route("/projects", get(workspace::projects::list_all_projects))
        .route(
            "/projects/export.xlsx",
            get(workspace::projects::export_all_projects),
        )
        .route(
            "/commendations",
            get(commendations::list).post(commendations::nominate),
        )
        .route("/commendations/export.xlsx", get(commendations::export))
        .route(
            "/commendations/{id}",
            get(commendations::item).post(commendations::update),
        )
        .route("/commendations/{id}/approve", post(commendations::approve))
        .route(
            "/commendations/{id}/withdraw",
            get(commendations::withdraw_form).post(commendations::withdraw),
        )
        .route("/evaluations", get(evaluations::evaluations))
        .route("/evaluations/{year}", get(evaluations::year))
        .route(
            "/evaluations/{year}/reviewers",
            post(evaluations::add_reviewer),
        )
        .route(
            "/evaluations/{year}/reviewers/{user}/remove",
            get(evaluations::remove_reviewer_form).post(evaluations::remove_reviewer),
        )
        .route(
            "/evaluations/{year}/finalise",
            get(evaluations::finalise_form).post(evaluations::finalise),
        )
        .route(
            "/evaluations/{year}/groups/{group}",
            get(evaluations::group),
        )
        .route(
            "/evaluations/{year}/groups/{group}/scores/{criterion}",
            post(evaluations::save_score),
        )
        .route(
            "/evaluations/{year}/report.docx",
            get(evaluations::report_docx),
        )
        .route(
            "/evaluations/{year}/report.xlsx",
            get(evaluations::report_xlsx),
        )
        .route(
            "/summaries",
            get(summaries::list_summaries).post(summaries::generate_from_list),
        )
        .route(
            "/summaries/{month}",
            get(summaries::get_summary).post(summaries::update_summary),
        )
        .route("/summaries/{month}/regenerate", post(summaries::regenerate))
        .route(
            "/summaries/{month}/send",
            get(summaries::send_form).post(summaries::send_summary),
        )
        .route(
            "/summaries/{month}/recall",
            get(summaries::recall_form).post(summaries::recall_summary),
        )
        .route(
            "/summaries/{month}/export.docx",
            get(summaries::export_docx),
        )
        .route(
            "/summaries/{month}/export.xlsx",
            get(summaries::export_xlsx),
        )
        .route("/notifications", get(reminders::list_notifications))
        .route(
            "/notifications/read-all",
            get(reminders::back_to_notifications).post(reminders::read_all_notifications),
        )
        .route(
            "/notifications/{id}/read",
            post(reminders::read_notification),
        )
        .route(
            "/organisations/{id}/webhooks",
            get(reminders::list_webhooks).post(reminders::add_webhook),
        )
        .route(
            "/organisations/{id}/webhooks/{webhook}/edit",
            get(reminders::edit_form).post(reminders::update_webhook),
        )
        .route(
            "/organisations/{id}/webhooks/{webhook}/delete",
            get(reminders::delete_form).post(reminders::delete_webhook),
        )
        .route(
            "/organisations/{id}/webhooks/{webhook}/test",
            get(reminders::back_to_webhooks).post(reminders::test_webhook),
        )
        .route("/reminders", get(reminders::reminders_page))
        .route("/reminders/webhooks", get(reminders::pick_org))
        .route(
            "/reminders/deliveries/{id}/retry",
            post(reminders::retry_delivery),
        )
        .route(
            "/reports/{month}/{school}/unlock",
            get(unlocks::unlock_form).post(unlocks::request_unlock),
        )
        .route("/unlocks", get(unlocks::list_unlocks))
        .route("/unlocks/export.xlsx", get(unlocks::export_unlocks))
        .route(
            "/unlocks/{id}/grant",
            get(unlocks::grant_form).post(unlocks::grant_unlock),
        )
        .route(
            "/unlocks/{id}/refuse",
            get(unlocks::refuse_form).post(unlocks::refuse_unlock),
        )
        // 五(三) 月度进展报告.
        .route("/reports", get(reports::list_reports))
        .route("/reports/export.xlsx", get(reports::export_reports))
        .route(
            "/reports/{month}/{school}",
            get(reports::get_report).post(reports::save_report),
        )
        .route(
            "/reports/{month}/{school}/refresh",
            get(reports::back_to_report).post(reports::refresh_report),
        )
        .route(
            "/reports/{month}/{school}/submit",
            get(reports::submit_form).post(reports::submit_report),
        )
        .route(
            "/reports/{month}/{school}/accept",
            get(reports::back_to_report).post(reports::accept_report),
        )
        .route(
            "/reports/{month}/{school}/return",
            get(reports::back_to_report).post(reports::return_report),
        )
        .route(
            "/reports/{month}/{school}/paper",
            get(reports::back_to_report).post(reports::accept_paper),
        )
        .route(
            "/reports/{month}/{school}/versions/{n}",
            get(reports::get_version),
        )
        .route(
            "/reports/{month}/{school}/file",
            get(reports::download_report_file),
        )
        // 统计图表.
        .route("/charts", get(statistics::get_charts))
        // 公开概览: no sign-in.
        .route("/public", get(public::get_public))
        .route("/public/cases", get(public::public_cases))
        .route("/public/cases/{case}", get(public::public_case))
        .route(
            "/public/cases/{case}/images/{image}",
            get(public::case_image),
        )
        // The compliance matrix (issue 11): the page, a cell of a group or a school, the export.
        .route("/compliance", get(matrix::get_matrix))
        .route("/compliance/export.xlsx", get(matrix::export_matrix))
        .route("/compliance/groups/{id}/{rule}", get(matrix::group_cell))
        .route("/compliance/schools/{org}/{rule}", get(matrix::school_cell))
        .route(
            "/plan/versions",
            get(plan_versions::back_to_plan).post(plan_versions::load_plan_version),
        )
}

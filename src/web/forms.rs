//! What every form shares after a submit: on error, a summary at the top of the form that the
//! page opens at (focused, each item a link to its field, a file that must be chosen again said
//! so); on success, a "已保存 …" notice where the user was working. Handlers redirect after a
//! save with [`saved_redirect`] and the page shows [`saved_notice`] of its `saved` query key.

use crate::domain::FieldErrors;
use axum::response::{IntoResponse, Redirect, Response};

/// One problem in the summary; `href` is `#f-<input name>` when the field is on the form.
pub struct ErrorItem {
    pub field: String,
    pub message: String,
    pub href: Option<String>,
}

/// The summary above a form that failed (`partials/form_errors.html` shows the page's `summary`).
pub struct ErrorSummary {
    /// What did not happen (未能保存, 未导入任何数据).
    pub heading: &'static str,
    pub items: Vec<ErrorItem>,
    /// What to do about the files of the failed submit (the browser does not keep them), or
    /// that what was typed is kept when there were none.
    pub note: &'static str,
}

const TYPED_KEPT: &str = "您填写的其他内容已保留。";
const FILES_AGAIN: &str = "您选择的文件尚未上传：浏览器不会保留出错前选择的文件，请改正后重新选择文件再提交（其他已填写的内容已保留）。";
const SHEET_AGAIN: &str = "表格中的数据均未写入：请按以上各处改好表格，再重新选择文件上传。";

impl ErrorSummary {
    /// The errors of a form whose inputs are named in `fields` as (label the errors use, input
    /// name); the input's `id` must be `f-<input name>` for the link to reach it.
    pub fn new(errors: &FieldErrors, fields: &[(&str, &str)]) -> Self {
        let items = errors
            .0
            .iter()
            .map(|e| ErrorItem {
                field: e.field.to_string(),
                message: e.message.clone(),
                href: fields
                    .iter()
                    .find(|(label, _)| *label == e.field)
                    .map(|(_, name)| format!("#f-{name}")),
            })
            .collect();
        Self {
            heading: "未能保存",
            items,
            note: TYPED_KEPT,
        }
    }

    /// A refusal that is about the whole record rather than one field (a conflict).
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            heading: "未能保存",
            items: vec![ErrorItem {
                field: String::new(),
                message: message.into(),
                href: None,
            }],
            note: TYPED_KEPT,
        }
    }

    /// A sheet turned down: one item per problem ("第 3 行 开始日期：…"), and the file to be
    /// chosen again once mended.
    pub fn rows(lines: impl IntoIterator<Item = String>) -> Self {
        Self {
            heading: "未导入任何数据",
            items: lines
                .into_iter()
                .map(|message| ErrorItem {
                    field: String::new(),
                    message,
                    href: None,
                })
                .collect(),
            note: SHEET_AGAIN,
        }
    }

    /// Says that the files chosen for this submit must be chosen again (when there were any).
    pub fn with_files_dropped(mut self, any: bool) -> Self {
        if any {
            self.note = FILES_AGAIN;
        }
        self
    }

    /// Whether the input named `name` has an error (for its `aria-invalid`).
    pub fn has(&self, name: &str) -> bool {
        let href = format!("#f-{name}");
        self.items.iter().any(|i| i.href.as_deref() == Some(&href))
    }
}

/// Whether `summary` marks the input `name` invalid (templates: `invalid(summary, "phone")`).
pub fn invalid(summary: &Option<ErrorSummary>, name: &str) -> bool {
    summary.as_ref().is_some_and(|s| s.has(name))
}

/// The notices a save leads to, by the key its redirect carries. Keys are fixed here (never text
/// from the address bar), so a link cannot make the page say something else.
const SAVED: &[(&str, &str)] = &[
    (
        "group_created",
        "已建立：新结对组及其成员关系已登记，三方协议须在期限内签署。",
    ),
    (
        "adjustment_recorded",
        "已登记：结对调整已生效，成员关系已按生效日期结束或开始。",
    ),
    ("member_added", "已保存：队员已加入服务工作队。"),
    ("member_updated", "已保存：队员信息已更正。"),
    ("member_left", "已保存：已登记离队。"),
    ("member_withdrawn", "已撤回：该队员记录已删除（误录）。"),
    ("agreement_saved", "已保存：协议信息已更新。"),
    ("agreement_withdrawn", "已撤回：协议记录已删除。"),
    ("scans_added", "已保存：扫描件已上传。"),
    ("scan_removed", "已删除：该扫描件已移除。"),
    (
        "onsite_added",
        "已保存：驻镇(含驻村)服务记录已登记，待镇村确认。",
    ),
    ("onsite_updated", "已保存：驻镇(含驻村)服务记录已更正。"),
    ("onsite_unchanged", "未作修改：提交的内容与原记录相同。"),
    ("onsite_withdrawn", "已撤回：该驻镇(含驻村)服务记录已删除。"),
    ("onsite_confirmed", "已确认：该驻镇(含驻村)服务记录已确认。"),
    ("onsite_imported", "已保存：表格中的记录已全部导入。"),
    (
        "onsite_unconfirmed",
        "已撤销确认：该驻镇(含驻村)服务记录恢复为待确认。",
    ),
    ("base_added", "已保存：实践基地已登记。"),
    ("base_updated", "已保存：实践基地信息已更正。"),
    ("base_withdrawn", "已撤回：该实践基地记录已删除。"),
    ("photos_added", "已保存：照片已上传。"),
    ("photo_removed", "已删除：该照片已移除。"),
    ("case_added", "已保存为草稿：检查无误后请提交市教育局审核。"),
    ("case_updated", "已保存修改。"),
    ("case_unchanged", "内容没有变化，未保存新的修改。"),
    ("case_submitted", "已提交市教育局审核。"),
    ("case_withdrawn", "已撤回该稿件。"),
    ("case_published", "已审核通过并发布：公开页面即时可见。"),
    ("case_returned", "已退回修改，撰写单位将看到退回意见。"),
    ("case_unpublished", "已撤下：公开页面不再显示该稿件。"),
    (
        "case_images_added",
        "已上传：把图片下方的代码粘贴到正文中需要的位置，保存修改后即可显示。",
    ),
    ("case_image_removed", "已删除该图片。"),
    (
        "adjustment_corrected",
        "已更正该结对调整，成员关系随之更新。",
    ),
    ("adjustment_unchanged", "内容没有变化，未保存新的更正。"),
    (
        "matter_added",
        "已报告：重大事项已直接报送市指挥部，待签收。",
    ),
    ("matter_updated", "已保存：重大事项已更正。"),
    ("matter_unchanged", "未作修改：提交的内容与原记录相同。"),
    ("matter_withdrawn", "已撤回：该重大事项已删除。"),
    ("matter_acknowledged", "已签收：该重大事项已签收。"),
    ("matter_replied", "已答复：答复意见已送达结对组。"),
    ("expense_added", "已保存：经费已登记。"),
    ("expense_updated", "已保存：经费记录已更正。"),
    ("expense_unchanged", "未作修改：提交的内容与原记录相同。"),
    ("expense_withdrawn", "已撤回：该经费记录已删除（误录）。"),
    (
        "meeting_added",
        "已保存：联席会议已登记，参会单位可确认参会。",
    ),
    ("meeting_updated", "已保存：联席会议已更正。"),
    ("meeting_unchanged", "未作修改：提交的内容与原记录相同。"),
    (
        "meeting_withdrawn",
        "已撤回：该联席会议记录已删除（误录）。",
    ),
    ("attendance_confirmed", "已确认：本单位参会已确认。"),
    ("attendance_unconfirmed", "已撤销：本单位的参会确认已撤销。"),
    ("decision_added", "已保存：会议决定已记录。"),
    ("decision_followed_up", "已保存：决定的落实情况已跟进。"),
    ("decision_unchanged", "未作修改：落实情况与原记录相同。"),
    ("decision_corrected", "已保存：会议决定已更正。"),
    ("decision_same", "未作修改：决定与原记录相同。"),
    ("papers_added", "已保存：会议材料已上传。"),
    ("plan_saved", "已保存：年度合作计划已保存。"),
    ("plan_item_added", "已保存：计划事项已添加。"),
    ("plan_item_updated", "已保存：计划事项已更正。"),
    ("plan_item_unchanged", "未作修改：提交的内容与原记录相同。"),
    ("plan_item_withdrawn", "已撤回：该计划事项已删除（误录）。"),
    ("account_saved", "已保存：账户信息已更新。"),
    ("password_changed", "已保存：密码已修改。"),
    ("coordinator_added", "已保存：协调小组成员已登记。"),
    ("coordinator_updated", "已保存：协调小组成员已更正。"),
    (
        "coordinator_unchanged",
        "未作修改：提交的内容与原记录相同。",
    ),
    (
        "coordinator_withdrawn",
        "已撤回：该协调小组成员记录已删除（误录）。",
    ),
    ("work_plan_saved", "已保存：服务工作方案已记为新的版本。"),
    (
        "work_plan_unchanged",
        "未作修改：提交的内容与当前版本相同。",
    ),
    ("work_plan_files_added", "已上传：附件已加入服务工作方案。"),
    (
        "work_plan_file_removed",
        "已删除：该附件已从服务工作方案中删除。",
    ),
    ("expenses_imported", "已导入：表中的经费已全部登记。"),
    ("project_added", "已保存：合作项目已登记。"),
    ("project_updated", "已保存：合作项目已更正。"),
    ("project_unchanged", "未作修改：提交的内容与原记录相同。"),
    ("project_withdrawn", "已撤回：该合作项目已删除（误录）。"),
    ("projects_imported", "已导入：合作项目已全部登记。"),
    ("project_update_added", "已保存：项目进展已登记。"),
    ("project_update_updated", "已保存：项目进展已更正。"),
    (
        "project_update_withdrawn",
        "已撤回：该条项目进展已删除（误录）。",
    ),
    ("project_files_added", "已保存：附件已上传。"),
    ("project_file_removed", "已删除：该附件已删除。"),
    ("paper_removed", "已删除：该份会议材料已删除。"),
    ("notification_read", "已读：该条通知已标为已读。"),
    ("notifications_read", "已读：全部通知已标为已读。"),
    (
        "webhook_added",
        "已保存：提醒机器人已添加，可发送测试消息检查是否接通。",
    ),
    ("webhook_updated", "已保存：提醒机器人已修改。"),
    ("webhook_unchanged", "未作修改：提交的内容与原设置相同。"),
    ("webhook_deleted", "已删除：该提醒机器人已删除。"),
    (
        "webhook_test_sent",
        "已发送：机器人已收到测试消息，请在群里查看。",
    ),
    (
        "webhook_test_failed",
        "测试消息未能送达：请核对地址（以及钉钉的加签密钥）；该消息将按退避规则自动重试。",
    ),
    (
        "delivery_retried",
        "已重新排队：该消息将在下一次发送时重试。",
    ),
    ("unlock_requested", "已提交：解锁申请已送市教育局审批。"),
    (
        "unlock_granted",
        "已准予解锁：报告已退回学校更正，该月记录已解除锁定。",
    ),
    (
        "unlock_refused",
        "已不予解锁：报告保持已通过，该月记录仍锁定。",
    ),
    ("report_saved", "已保存：月度进展报告草稿已保存。"),
    (
        "report_unchanged",
        "未作修改：提交的内容与已保存的草稿相同。",
    ),
    (
        "report_refreshed",
        "已刷新：预填数据已按本月最新登记情况更新。",
    ),
    (
        "report_submitted",
        "已提交：月度进展报告已报送市教育局，待审核。",
    ),
    ("report_accepted", "已通过：该月度进展报告已审核通过。"),
    ("report_returned", "已退回：退回意见已送达学校。"),
    ("report_paper", "已登记：纸质报告已接收，报送情况仍为未报。"),
    (
        "plan_version_loaded",
        "已载入：方案新版本已保存，自所填年度起用于判定（见下方方案版本）。",
    ),
];

/// The notice for `key`, if it is one of [`SAVED`].
pub fn saved_notice(key: Option<&str>) -> Option<&'static str> {
    let key = key?;
    SAVED.iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

/// After a save: back to `path` (a page of the platform, without a query), which shows the
/// notice for `key` at its `#saved` element, where the work was done.
pub fn saved_redirect(path: &str, key: &'static str) -> Response {
    debug_assert!(saved_notice(Some(key)).is_some(), "unknown notice {key}");
    Redirect::to(&format!("{path}?saved={key}#saved")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldError;

    #[test]
    fn each_error_links_to_its_field_and_unknown_fields_stay_unlinked() {
        let errors = FieldErrors(vec![
            FieldError::new("姓名", "不能为空"),
            FieldError::new("加入日期", "不能晚于今天"),
            FieldError::new("其他", "有误"),
        ]);
        let s = ErrorSummary::new(
            &errors,
            &[("姓名", "person_name"), ("加入日期", "joined_on")],
        );
        let hrefs: Vec<Option<&str>> = s.items.iter().map(|i| i.href.as_deref()).collect();
        assert_eq!(
            hrefs,
            vec![Some("#f-person_name"), Some("#f-joined_on"), None]
        );
        assert!(s.has("joined_on"));
        assert!(!s.has("phone"));
        assert!(invalid(&Some(s), "person_name"));
        assert!(!invalid(&None, "person_name"));
    }

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(
            saved_notice(Some("member_added")),
            Some("已保存：队员已加入服务工作队。")
        );
        assert_eq!(saved_notice(Some("<script>")), None);
        assert_eq!(saved_notice(None), None);
    }
}

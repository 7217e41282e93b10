//! The audit log in Chinese: labels for the action codes and record kinds the platform writes,
//! and a before/after pair turned into "字段：旧值 → 新值" lines. Codes without a label are shown
//! as they are, so nothing written to the log is ever hidden from the auditor.

use super::org::OrgKind;
use super::team::{TeamRole, Title};
use super::user::{Approval, Role};
use serde_json::Value;

/// Every action code the platform writes, with its Chinese label, in the order the filter lists them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("login.success", "登录成功"),
    ("login.failure", "登录失败"),
    ("login.locked", "登录失败次数过多，账户锁定"),
    ("login.refused_locked", "账户锁定期间尝试登录"),
    ("login.second_factor_required", "登录待第二因素验证"),
    ("login.second_factor_success", "第二因素验证成功"),
    ("login.second_factor_failure", "第二因素验证失败"),
    ("login.second_factor_locked", "第二因素失败次数过多，锁定"),
    (
        "login.second_factor_refused_locked",
        "第二因素锁定期间尝试验证",
    ),
    ("logout", "退出登录"),
    ("user.create", "创建账户"),
    ("user.approve", "审核通过账户"),
    ("user.reject", "审核不通过账户"),
    ("user.role_requested", "申请变更角色"),
    ("user.role_change", "变更角色"),
    ("user.disable", "停用账户"),
    ("user.enable", "启用账户"),
    ("user.unlock", "解除锁定"),
    ("user.reset_password", "重置密码"),
    ("user.change_password", "修改密码"),
    ("user.password_expired", "密码到期须修改"),
    ("user.disable_dormant", "停用长期未用账户"),
    ("second_factor.enrol", "绑定第二因素"),
    ("second_factor.reset", "重置第二因素"),
    ("organisation.create", "新增单位"),
    ("plan.load", "载入结对方案"),
    ("group.create", "新建结对组"),
    ("agreement.create", "录入协议"),
    ("agreement.update", "修改协议"),
    ("agreement.withdraw", "撤回协议（误录）"),
    ("agreement.scan_add", "上传协议扫描件"),
    ("agreement.scan_remove", "删除协议扫描件"),
    ("supplementary_agreement.create", "录入补充协议"),
    ("supplementary_agreement.update", "修改补充协议"),
    ("supplementary_agreement.withdraw", "撤回补充协议（误录）"),
    ("supplementary_agreement.scan_add", "上传补充协议扫描件"),
    ("supplementary_agreement.scan_remove", "删除补充协议扫描件"),
    ("attachment.create", "上传附件"),
    ("attachment.delete", "删除附件"),
    ("team_member.create", "新增服务队员"),
    ("team_member.update", "更正服务队员"),
    ("team_member.withdraw", "撤回误录的服务队员"),
    ("team_member.leave", "服务队员离队"),
    ("onsite.create", "登记驻镇(含驻村)服务"),
    ("onsite.update", "修改驻镇(含驻村)服务"),
    ("onsite.confirm", "确认驻镇(含驻村)服务"),
    ("onsite.unconfirm", "撤销确认驻镇(含驻村)服务"),
    ("onsite.delete", "删除驻镇(含驻村)服务"),
    ("base.create", "新增实践基地"),
    ("base.update", "修改实践基地"),
    ("base.withdraw", "撤回实践基地（误录）"),
    ("base.photo_add", "上传实践基地照片"),
    ("base.photo_remove", "删除实践基地照片"),
    ("major_matter.create", "向市指挥部报告重大事项"),
    ("major_matter.update", "更正重大事项"),
    ("major_matter.withdraw", "撤回重大事项"),
    ("major_matter.acknowledge", "市指挥部签收重大事项"),
    ("major_matter.reply", "市指挥部答复重大事项"),
    ("adjustment.create", "市指挥部调整结对关系"),
    ("adjustment.update", "更正结对调整"),
    ("expense.create", "登记经费"),
    ("expense.update", "更正经费"),
    ("expense.withdraw", "撤回经费（误录）"),
    ("coordinator.create", "登记协调小组成员"),
    ("coordinator.update", "更正协调小组成员"),
    ("coordinator.leave", "协调小组成员不再担任"),
    ("coordinator.withdraw", "撤回协调小组成员（误录）"),
    ("work_plan.create", "录入服务工作方案"),
    ("work_plan.revise", "修订服务工作方案"),
    ("work_plan.file_add", "上传服务工作方案附件"),
    ("work_plan.file_remove", "删除服务工作方案附件"),
    ("expense.import", "导入经费"),
    ("meeting.create", "登记联席会议"),
    ("meeting.update", "更正联席会议"),
    ("meeting.withdraw", "撤回联席会议（误录）"),
    ("meeting.papers_add", "上传会议材料"),
    ("meeting.confirm_attendance", "确认参会"),
    ("meeting.unconfirm_attendance", "撤销参会确认"),
    ("meeting_decision.create", "记录会议决定"),
    ("meeting_decision.update", "更正会议决定"),
    ("meeting_decision.follow_up", "跟进会议决定落实情况"),
    ("annual_plan.create", "建立年度合作计划"),
    ("annual_plan.update", "修改年度合作计划"),
    ("annual_plan_item.create", "新增年度计划事项"),
    ("annual_plan_item.update", "更正年度计划事项"),
    ("annual_plan_item.withdraw", "撤回年度计划事项（误录）"),
    ("project.create", "登记合作项目"),
    ("project.update", "更正合作项目"),
    ("project.withdraw", "撤回合作项目（误录）"),
    ("project.file_add", "上传合作项目附件"),
    ("project.file_remove", "删除合作项目附件"),
    ("project_update.create", "登记项目进展"),
    ("project_update.update", "更正项目进展"),
    ("project_update.withdraw", "撤回项目进展（误录）"),
    ("backup.create", "备份数据"),
    ("backup.restore", "恢复数据"),
    ("view", "查看"),
    ("export", "导出"),
    ("download", "下载"),
    ("meeting.paper_remove", "删除会议材料"),
    ("monthly_summary.generate", "生成月度汇总"),
    ("monthly_summary.regenerate", "重新生成月度汇总数据"),
    ("monthly_summary.update", "修改月度汇总"),
    ("monthly_summary.send", "月度汇总报送市指挥部"),
    ("monthly_summary.recall", "撤回月度汇总"),
    ("webhook.create", "新增提醒机器人"),
    ("webhook.update", "修改提醒机器人"),
    ("webhook.delete", "删除提醒机器人"),
    ("webhook_delivery.retry", "重新发送提醒消息"),
    ("report_unlock.request", "申请解锁月度进展报告"),
    ("report_unlock.grant", "准予解锁月度进展报告"),
    ("report_unlock.refuse", "不予解锁月度进展报告"),
    ("monthly_report.create", "建立月度进展报告（草稿）"),
    ("monthly_report.save", "保存月度进展报告草稿"),
    ("monthly_report.refresh", "刷新月度进展报告预填数据"),
    ("monthly_report.submit", "报送月度进展报告"),
    ("monthly_report.accept", "审核通过月度进展报告"),
    ("monthly_report.return", "退回月度进展报告"),
    ("monthly_report.paper", "登记纸质月度进展报告"),
    ("monthly_report.history", "历史补录月度进展报告"),
    ("monthly_report.file", "历史补录月度进展报告原件"),
    ("major_matter.history", "历史补录重大事项"),
    ("history.import", "导入历史补录工作簿"),
    ("plan_version.load", "载入方案新版本"),
    ("case.create", "撰写典型案例或新闻"),
    ("case.update", "修改典型案例或新闻"),
    ("case.withdraw", "撤回典型案例或新闻（误录）"),
    ("case.submit", "提交典型案例或新闻审核"),
    ("case.publish", "审核通过并发布典型案例或新闻"),
    ("case.return", "退回修改典型案例或新闻"),
    ("case.unpublish", "撤下已发布的典型案例或新闻"),
    ("case.images_add", "上传典型案例或新闻的正文图片"),
    ("case.image_remove", "删除典型案例或新闻的正文图片"),
    ("evaluation.reviewer_add", "指定年度评价评审人"),
    ("evaluation.reviewer_remove", "移除年度评价评审人"),
    ("evaluation.score", "录入年度评价评分"),
    ("evaluation.score_update", "修改年度评价评分"),
    ("evaluation.finalise", "年度评价定稿"),
    ("commendation.nominate", "提名表彰（优秀集体或先进个人）"),
    ("commendation.update", "修改表彰提名的事迹"),
    ("commendation.approve", "批准表彰"),
    ("commendation.withdraw", "撤销表彰提名"),
    ("commendation.history", "历史补录表彰"),
];

/// Record kinds (the `entity` column).
const ENTITIES: &[(&str, &str)] = &[
    ("user", "账户"),
    ("organisation", "单位"),
    ("plan", "结对方案"),
    ("group", "结对组"),
    ("agreement", "协议"),
    ("attachment", "附件"),
    ("team_member", "服务队员"),
    ("onsite_entry", "驻镇(含驻村)服务记录"),
    ("practice_base", "实践基地"),
    ("major_matter", "重大事项"),
    ("adjustment", "结对调整"),
    ("expense", "经费"),
    ("coordinator", "协调小组成员"),
    ("work_plan", "服务工作方案"),
    ("meeting", "联席会议"),
    ("meeting_decision", "会议决定"),
    ("annual_plan", "年度合作计划"),
    ("annual_plan_item", "年度计划事项"),
    ("project", "合作项目"),
    ("project_update", "项目进展"),
    ("case", "典型案例与新闻"),
    ("evaluation", "年度评价"),
    ("commendation", "表彰"),
    ("backup", "备份"),
    ("audit_event", "审计日志"),
    ("monthly_summary", "月度汇总"),
    ("webhook", "提醒机器人"),
    ("webhook_delivery", "提醒消息"),
    ("report_unlock", "月度报告解锁申请"),
    ("monthly_report", "月度进展报告"),
    ("monthly_report_file", "月度进展报告原件"),
    ("history_import", "历史补录"),
    ("compliance", "合规矩阵"),
    ("plan_version", "方案版本"),
];

/// Field names in the before/after JSON.
const FIELDS: &[(&str, &str)] = &[
    ("history_import_id", "历史补录"),
    ("files_name", "附件压缩包"),
    ("counts", "导入条数"),
    ("first_submitted_at", "首次报送时间"),
    ("username", "用户名"),
    ("display_name", "姓名"),
    ("name", "名称"),
    ("role", "角色"),
    ("org_id", "单位"),
    ("org", "单位"),
    ("organisation", "单位"),
    ("pending_role", "待批角色"),
    ("pending_org_id", "待批单位"),
    ("role_proposed_by", "角色申请人"),
    ("approval", "审核状态"),
    ("disabled", "已停用"),
    ("failed_attempts", "连续失败次数"),
    ("locked_until", "锁定至"),
    ("must_change_password", "须修改密码"),
    ("password_changed_at", "密码修改时间"),
    ("last_used_at", "最近使用时间"),
    ("method", "方式"),
    ("recovery_codes", "恢复码"),
    ("attempts", "尝试次数"),
    ("enrolment", "绑定中"),
    ("kind", "类别"),
    ("region_id", "区域"),
    ("medical_focus", "医疗卫生方向"),
    ("grounds", "调整依据"),
    ("note", "说明"),
    ("decided_by", "决定机构"),
    ("decided_at", "决定时间"),
    ("citation", "主要事迹"),
    ("effective_on", "生效日期"),
    ("supplementary_due", "补充协议签署期限"),
    ("team_rework", "须调整服务工作队"),
    ("ended", "结束的成员关系"),
    ("started", "新增的成员关系"),
    ("adjustment_id", "结对调整"),
    ("code", "代码"),
    ("doc_no", "文号"),
    ("rules", "规则"),
    ("number", "组号"),
    ("members", "成员单位"),
    ("group_id", "结对组"),
    ("started_on", "开始日期"),
    ("signed_on", "签订日期"),
    ("parties", "协议各方"),
    ("content", "内容"),
    ("person_name", "姓名"),
    ("team_role", "队内职务"),
    ("school_leader", "校级领导"),
    ("title", "职称"),
    ("phone", "电话"),
    ("joined_on", "加入日期"),
    ("left_on", "离队日期"),
    ("date", "日期"),
    ("from", "开始日期"),
    ("to", "结束日期"),
    ("place_org_id", "服务地点"),
    ("confirmed", "已确认"),
    ("confirmed_by", "确认人"),
    ("confirmed_at", "确认时间"),
    ("present_members", "在场队员"),
    ("description", "说明"),
    ("functions", "功能"),
    ("opened_on", "揭牌日期"),
    ("notes", "备注"),
    ("summary", "事项摘要"),
    ("heading", "标题"),
    ("abstract", "摘要"),
    ("linked_projects", "关联项目"),
    ("body", "正文"),
    ("area", "领域"),
    ("review_comment", "退回意见"),
    ("published_on", "发布日期"),
    ("details", "详细情况"),
    ("urgency", "紧急程度"),
    ("raised_on", "发生日期"),
    ("reported_on", "报告日期"),
    ("acknowledged_at", "签收时间"),
    ("reply", "答复意见"),
    ("replied_at", "答复时间"),
    ("file", "文件"),
    ("file_name", "文件名"),
    ("file_id", "文件编号"),
    ("files", "文件"),
    ("photos", "照片"),
    ("scans", "扫描件"),
    ("size", "大小（字节）"),
    ("rows", "行数"),
    ("via", "途径"),
    ("page", "页码"),
    ("q", "关键词"),
    ("list", "列表"),
    ("status", "状态"),
    ("owner", "所属"),
    ("owner_id", "所属记录"),
    ("created_by", "创建人"),
    ("created_at", "创建时间"),
    ("audit_seq", "审计序号"),
    ("audit_hash", "审计哈希"),
    ("spent_on", "日期"),
    ("amount_fen", "金额"),
    ("payer_org_id", "付款单位"),
    ("expense_kind", "经费类别"),
    ("in_kind", "实物投入"),
    ("initiator_org_id", "发起单位"),
    ("shares", "分担比例"),
    ("percent", "比例"),
    ("post", "职务"),
    ("from_on", "起始日期"),
    ("to_on", "结束日期"),
    ("agreed_on", "商定日期"),
    ("content", "服务内容和形式"),
    ("revision", "修订版次"),
    ("plan_title", "方案名称"),
    ("held_on", "会议日期"),
    ("place", "会议地点"),
    ("people", "参会人员"),
    ("agenda", "议程"),
    ("minutes", "会议纪要"),
    ("adopts_annual_plan", "审议通过年度计划"),
    ("attendance_confirmed", "确认参会单位"),
    ("decisions", "会议决定"),
    ("text", "内容"),
    ("project_id", "关联项目"),
    ("plan_item_id", "关联计划事项"),
    ("owner_org_id", "责任单位"),
    ("owner_text", "责任人"),
    ("due_on", "完成期限"),
    ("decision_status", "落实情况"),
    ("follow_up", "跟进说明"),
    ("followed_up_in", "跟进会议"),
    ("meeting_id", "所属会议"),
    ("year", "年度"),
    ("criterion", "评价项目"),
    ("points", "得分"),
    ("comment", "评语"),
    ("reviewer", "评审人"),
    ("scores", "评分"),
    ("totals", "各组得分"),
    ("groups", "结对组数"),
    ("area", "合作领域"),
    ("target_code", "目标指标"),
    ("target_amount", "目标数值"),
    ("year_end_status", "年终完成情况"),
    ("year_end_note", "年终说明"),
    ("project_title", "项目名称"),
    ("lead_org_id", "牵头单位"),
    ("partners", "合作方"),
    ("starts_on", "开始日期"),
    ("ends_on", "结束日期"),
    ("project_status", "项目状态"),
    ("purchased", "购买服务"),
    ("buyer_org_id", "购买方"),
    ("contract_fen", "合同金额"),
    ("happened_on", "日期"),
    ("update_summary", "进展情况"),
    ("students", "参与学生"),
    ("figures", "成果指标"),
    ("project_id", "所属项目"),
    ("intro", "导语"),
    ("highlights", "工作亮点"),
    ("next_steps", "下一步工作"),
    ("sent_at", "报送时间"),
    ("generated_at", "生成时间"),
    ("doc_title", "标题"),
    ("problems", "存在问题"),
    ("state", "状态"),
    ("month", "月份"),
    ("url", "地址（已隐去）"),
    ("has_secret", "已设加签密钥"),
    ("enabled", "启用"),
    ("url_replaced", "地址已更换"),
    ("secret_replaced", "加签密钥已更换"),
    ("unlock_state", "解锁申请状态"),
    ("unlock_reason", "申请理由"),
    ("decision_comment", "审批意见"),
    ("report_id", "月度进展报告"),
    ("report_month", "报告月份"),
    ("report_state", "报告状态"),
    ("review_comment", "审核意见"),
    ("school_id", "学校"),
    ("version", "版次"),
    ("narrative", "各领域工作进展"),
    ("next_plan", "下月工作计划"),
    ("prefilled_at", "预填时间"),
    ("submitted_at", "报送时间"),
    ("paper", "纸质报告"),
];

fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The Chinese label of an action code; an unknown code comes back as it is.
pub fn action_label(code: &str) -> &str {
    lookup(ACTIONS, code).unwrap_or(code)
}

/// The Chinese name of a record kind; an unknown kind comes back as it is.
pub fn entity_label(kind: &str) -> &str {
    lookup(ENTITIES, kind).unwrap_or(kind)
}

/// The Chinese name of a field; an unknown field comes back as it is.
pub fn field_label(name: &str) -> &str {
    lookup(FIELDS, name).unwrap_or(name)
}

/// One value as a person reads it: text without quotes, 是/否, 空 for null, role, approval and
/// organisation-kind codes in Chinese; lists and objects as compact JSON.
/// Ids that `name` knows (an organisation, a team member) are given by their name.
fn show_named(field: &str, v: &Value, name: &dyn Fn(&str) -> Option<String>) -> String {
    if let Value::String(s) = v
        && let Some(n) = name(s)
    {
        return n;
    }
    // An amount in fen reads as yuan; a list of cost shares as "单位 50.00%".
    if (field == "amount_fen" || field == "contract_fen")
        && let Some(fen) = v.as_i64()
    {
        return super::money::show_yuan(fen);
    }
    if field == "shares"
        && let Value::Array(items) = v
    {
        if items.is_empty() {
            return "（不分担）".to_string();
        }
        return items
            .iter()
            .map(|i| {
                let org = show_named("org_id", &i["org_id"], name);
                format!("{org} {}", i["percent"].as_str().unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join("、");
    }
    if let Value::Array(items) = v
        && items.iter().all(Value::is_string)
    {
        return items
            .iter()
            .map(|i| show_named(field, i, name))
            .collect::<Vec<_>>()
            .join("、");
    }
    match v {
        Value::Null => "（空）".to_string(),
        Value::Bool(true) => "是".to_string(),
        Value::Bool(false) => "否".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "（空）".to_string(),
        Value::String(s) => {
            let label = match field {
                "role" | "pending_role" => Role::parse(s)
                    .map(Role::label)
                    .or_else(|| TeamRole::parse(s).map(TeamRole::label)),
                "team_role" => TeamRole::parse(s).map(TeamRole::label),
                "title" => Title::parse(s).map(Title::label),
                "approval" => Approval::parse(s).map(Approval::label),
                "kind" => OrgKind::parse(s).map(OrgKind::label),
                "urgency" => super::matter::Urgency::parse(s).map(super::matter::Urgency::label),
                "unlock_state" => super::unlock::UnlockState::parse(s).map(|u| u.label()),
                "report_state" => super::monthly::ReportState::parse(s).map(|r| r.label(1)),
                // A practice base's functions (三(一)), in the plan's words.
                "functions" => super::base::BASE_FUNCTIONS
                    .iter()
                    .find(|(c, _)| c == s)
                    .map(|(_, l)| *l),
                "decision_status" => super::meeting::DecisionStatus::parse(s)
                    .map(super::meeting::DecisionStatus::label),
                "year_end_status" => super::annual_plan::YearEndStatus::parse(s)
                    .map(super::annual_plan::YearEndStatus::label),
                "expense_kind" => super::expense::EXPENSE_KINDS
                    .iter()
                    .find(|(c, _)| c == s)
                    .map(|(_, l)| *l),
                "project_status" => super::project::ProjectStatus::parse(s).map(|p| p.label()),
                "grounds" => super::adjustment::Grounds::parse(s).map(|g| g.label()),
                _ => None,
            };
            label.map(str::to_string).unwrap_or_else(|| s.clone())
        }
        other => other.to_string(),
    }
}

fn parse(json: Option<&str>) -> Option<Value> {
    json.filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_str(s).ok())
}

/// The change an entry records, one line per field: "字段：旧值 → 新值" where both sides have it,
/// "字段：新值" where only the after does (a creation, what a read asked for), "字段：旧值 → （无）"
/// where only the before does. Fields that did not change are left out. JSON that is not an object
/// is shown whole under "内容".
pub fn change_lines(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    change_lines_named(before, after, &|_| None)
}

/// [`change_lines`], with the ids `name` knows shown by their names (a group's organisations
/// and team members on a record's 修改记录).
pub fn change_lines_named(
    before: Option<&str>,
    after: Option<&str>,
    name: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let show = |field: &str, v: &Value| show_named(field, v, name);
    let (before, after) = (parse(before), parse(after));
    let empty = serde_json::Map::new();
    let as_object = |v: &Option<Value>| -> Option<serde_json::Map<String, Value>> {
        match v {
            None => Some(empty.clone()),
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => None,
        }
    };
    let (Some(b), Some(a)) = (as_object(&before), as_object(&after)) else {
        // Not objects: show each side whole.
        let side = |v: &Option<Value>| v.as_ref().map(|v| show("", v));
        return match (side(&before), side(&after)) {
            (Some(b), Some(a)) => vec![format!("内容：{b} → {a}")],
            (None, Some(a)) => vec![format!("内容：{a}")],
            (Some(b), None) => vec![format!("内容：{b} → （无）")],
            (None, None) => vec![],
        };
    };
    let mut lines = Vec::new();
    for (key, new) in &a {
        let label = field_label(key);
        match b.get(key) {
            Some(old) if old == new => {}
            Some(old) => lines.push(format!("{label}：{} → {}", show(key, old), show(key, new))),
            None => lines.push(format!("{label}：{}", show(key, new))),
        }
    }
    for (key, old) in &b {
        if !a.contains_key(key) {
            lines.push(format!("{}：{} → （无）", field_label(key), show(key, old)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_read_in_chinese_and_unknown_ones_show_as_they_are() {
        assert_eq!(action_label("login.success"), "登录成功");
        assert_eq!(action_label("user.approve"), "审核通过账户");
        assert_eq!(action_label("download"), "下载");
        assert_eq!(action_label("mystery.thing"), "mystery.thing");
        assert_eq!(entity_label("team_member"), "服务队员");
        assert_eq!(entity_label("widget"), "widget");
    }

    #[test]
    fn every_action_has_one_label() {
        let mut codes: Vec<_> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len());
        assert!(ACTIONS.iter().all(|(c, l)| !l.is_empty() && *l != *c));
    }

    #[test]
    fn a_change_reads_field_old_to_new() {
        let lines = change_lines(
            Some(r#"{"disabled": false, "failed_attempts": 3}"#),
            Some(r#"{"disabled": true, "failed_attempts": 3}"#),
        );
        assert_eq!(lines, vec!["已停用：否 → 是"]);
        let lines = change_lines(
            Some(r#"{"role": "town", "locked_until": 5}"#),
            Some(r#"{"role": "village"}"#),
        );
        assert_eq!(
            lines,
            vec!["角色：镇(街道) → 村(社区)", "锁定至：5 → （无）"]
        );
        assert_eq!(
            change_lines(None, Some(r#"{"left_on": "2026-05-20", "x_y": null}"#)),
            vec!["离队日期：2026-05-20", "x_y：（空）"]
        );
        // An empty text reads as empty, not as nothing after the colon.
        assert_eq!(
            change_lines(
                Some(r#"{"phone": ""}"#),
                Some(r#"{"phone": "138****0000"}"#)
            ),
            vec!["电话：（空） → 138****0000"]
        );
        assert_eq!(change_lines(None, None), Vec::<String>::new());
        assert_eq!(change_lines(None, Some("[1,2]")), vec!["内容：[1,2]"]);
    }

    /// Every action code the platform writes (an `action:` of an audit entry, up to its
    /// `entity:`) has a Chinese label, so a new kind of entry cannot reach the auditor in English.
    #[test]
    fn every_action_code_written_has_a_label() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut paths,
        );
        let mut seen = 0;
        let mut missing = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("action: ") {
                let rest = &text[at..];
                let window = &rest[..rest.find("entity:").unwrap_or(0)];
                if window.contains("try_get") {
                    continue; // an entry read back from the database, not one written
                }
                for code in window.split('"').skip(1).step_by(2) {
                    let is_code = !code.is_empty()
                        && code
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                    if is_code {
                        seen += 1;
                        if lookup(ACTIONS, code).is_none() {
                            missing.push(format!("{code} ({})", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            seen > 30,
            "only {seen} action codes found: the scan no longer sees them"
        );
        assert!(
            missing.is_empty(),
            "action codes without a label: {missing:?}"
        );
    }
}

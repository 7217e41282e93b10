//! Who may see and who may change what: the one place these decisions are made. A list, a
//! detail page, an export, a file download, the JSON API and a job all ask here (SPEC §2, 三权分立).

use super::ServiceError;
use crate::domain::FieldError;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::user::Role;
use crate::store::{Actor, GroupRow, GroupScope};
use jiff::civil::Date;

/// The signed-in user, as every handler and service sees them.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    pub csrf_token: String,
    pub session_hash: String,
    pub must_change_password: bool,
    pub ip: String,
}

impl Viewer {
    /// The groups this user may read (SPEC §2).
    pub fn group_scope(&self) -> GroupScope {
        group_scope(self)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            name: self.username.clone(),
            ip: self.ip.clone(),
        }
    }

    /// Refuses anyone whose role is not listed.
    pub fn require(&self, roles: &[Role]) -> Result<(), ServiceError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Business pages: everyone but the system administrator and the auditor (三权分立).
    pub fn require_business(&self) -> Result<(), ServiceError> {
        require_business(self)
    }
}

/// The groups a user may read: the bureau and headquarters all of them, a member organisation's
/// users the groups it is (or was) in, the system administrator and the auditor none.
/// Whether the viewer sees the whole programme (every group and every school's standing).
pub fn sees_programme(viewer: &Viewer) -> bool {
    viewer.role.sees_all_groups()
}

pub fn group_scope(viewer: &Viewer) -> GroupScope {
    if viewer.role.sees_all_groups() {
        GroupScope::All
    } else if viewer.role.sees_business() {
        GroupScope::Member(viewer.org_id.clone())
    } else {
        GroupScope::Nothing
    }
}

/// Business data is not for the system administrator or the auditor (三权分立).
pub fn require_business(viewer: &Viewer) -> Result<(), ServiceError> {
    if viewer.role.sees_business() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Accounts are created, disabled and enabled by the system administrator alone (三权分立).
pub fn require_account_admin(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Sysadmin])
}

/// Roles, approvals, password resets and unlocks belong to the security administrator alone (三权分立).
pub fn require_security_admin(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Secadmin])
}

/// A change of a business account's role (and organisation) is proposed by the system
/// administrator (account management) or a security administrator; it takes effect only once a
/// security administrator other than the proposer approves it ([`may_approve`]).
pub fn require_role_proposer(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Sysadmin, Role::Secadmin])
}

/// Why an administrator may not approve what they proposed themselves.
pub const OWN_PROPOSAL: &str =
    "该账户待审核的事项（新建账户或角色变更）由您本人提出，审核须由提出者以外的安全管理员办理";

/// 三权分立, none able to act alone: a security administrator approves what waits on an account
/// only when someone else proposed it (created the account, or changed its role).
pub fn may_approve(viewer: &Viewer, target: &crate::store::UserRow) -> Result<(), ServiceError> {
    require_security_admin(viewer)?;
    if target.proposed_by(&viewer.user_id) {
        return Err(ServiceError::Refused(OWN_PROPOSAL.to_string()));
    }
    Ok(())
}

/// The list of accounts: the system and the security administrator each need it for their
/// duties; the auditor reads the audit log instead, and business users see no accounts.
pub fn require_user_directory(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Sysadmin, Role::Secadmin])
}

/// Why an administrator's account cannot be changed on the platform, and where it can.
pub const ADMIN_ACCOUNTS_FROM_CLI: &str = "管理员账户（系统管理员、安全管理员、审计管理员）不能在平台上创建或修改，须由服务器操作员用命令行 xiaodi user … 办理";

/// 三权分立: an administrator acts only on accounts with a business role, never on their own
/// account nor on another administrator's (those are kept from the server's command line).
/// `target` is the account's id and its current role.
pub fn may_act_on_account(
    viewer: &Viewer,
    target: &UserId,
    target_role: Role,
) -> Result<(), ServiceError> {
    if target == &viewer.user_id {
        return Err(ServiceError::Refused(format!(
            "不能对自己的账户执行此操作。{ADMIN_ACCOUNTS_FROM_CLI}"
        )));
    }
    if target_role.is_admin() {
        return Err(ServiceError::Refused(ADMIN_ACCOUNTS_FROM_CLI.to_string()));
    }
    Ok(())
}

/// The roles an account may be given on the platform (by the system administrator creating
/// it, or the security administrator changing it): business roles only.
pub fn check_assignable_role(role: Role) -> Result<(), FieldError> {
    if role.is_admin() {
        return Err(FieldError::new("角色", ADMIN_ACCOUNTS_FROM_CLI));
    }
    Ok(())
}

/// Who may reset someone's second factor (a lost phone): the system administrator, and only on a
/// business account ([`may_act_on_account`]); administrators' from the command line. Not the
/// security administrator, who resets passwords: taking over an account that signs in with two
/// factors then needs both of them (三权分立, none able to act alone).
pub fn require_second_factor_reset(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Sysadmin])
}

/// The audit log is read by the auditor alone (三权分立).
pub fn require_audit_reader(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Auditor])
}

/// Pairing tables, which create groups and their memberships, are imported by the bureau.
pub fn require_pairing_import(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Bureau])
}

/// Whether the user may record a group's work (agreement, team, on-site days, bases): the bureau
/// always, a school only while it is one of the group's schools (as it stands `today`).
pub fn may_edit_group(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    match viewer.role {
        Role::Bureau => true,
        Role::School => group
            .calendar()
            .school_role_on(&viewer.org_id, today)
            .is_some(),
        _ => false,
    }
}

/// Whether the user may record, correct and withdraw the group's expenses (四(二)): the bureau,
/// and the group's schools and towns while they are members — they are the parties that pay. A
/// village's costs are borne by the others, so a village user reads them only.
pub fn may_record_expenses(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    let member_now = || {
        group
            .members
            .iter()
            .any(|m| m.org_id == viewer.org_id && m.active_on(today))
    };
    match viewer.role {
        Role::Bureau => true,
        Role::School | Role::Town => member_now(),
        _ => false,
    }
}

/// Whether the user may record, correct and withdraw the group's cooperation projects and their
/// progress (三(一)–(六)): as for expenses — the bureau, and the group's schools and towns while
/// they are members (they run the projects); a village user reads them.
pub fn may_record_projects(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    may_record_expenses(viewer, group, today)
}

/// Whether the user may confirm an on-site entry at `place`: a town user for service in the
/// group's lead town or in their own town, a village user in their own village; both only while
/// their organisation is a member of the group, and only once.
pub fn may_confirm_onsite(
    viewer: &Viewer,
    group: &GroupRow,
    today: Date,
    place: &OrgId,
    confirmed: bool,
) -> bool {
    if confirmed {
        return false;
    }
    let member_now = group
        .members
        .iter()
        .any(|m| m.org_id == viewer.org_id && m.active_on(today));
    match viewer.role {
        Role::Town => {
            member_now && (viewer.org_id == group.lead_town_id || &viewer.org_id == place)
        }
        Role::Village => member_now && &viewer.org_id == place,
        _ => false,
    }
}

/// 五(一): whether the user may raise a major matter for the group (and correct or withdraw one
/// their organisation raised): a school, town or village user while their organisation is a
/// member of the group. Not the bureau, which sees them read-only (the matter goes to HQ
/// directly, not via the bureau), nor HQ, which receives them.
pub fn may_raise_matter(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    matches!(viewer.role, Role::School | Role::Town | Role::Village)
        && group
            .members
            .iter()
            .any(|m| m.org_id == viewer.org_id && m.active_on(today))
}

/// 五(四): whether the user may write, correct, submit and withdraw the group's typical cases
/// and news items — "学校和地方共同加强宣传推广": a school, town or village user while their
/// organisation is a member of the group.
pub fn may_write_cases(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    may_raise_matter(viewer, group, today)
}

/// 五(四): the bureau (市教育局) reviews cases and news items, publishes them and takes them down.
pub fn require_case_reviewer(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Bureau])
}

/// 五(三) "动态调整合作关系": only HQ (市"百千万工程"指挥部), which evaluates the pairings, ends
/// and starts a group's memberships; the bureau and the groups read the timeline.
pub fn require_adjuster(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Hq])
}

/// The day a viewer's organisation stopped being a member of the group, when it was a member
/// and is no longer (nor will be again): from then on it sees only the group's records made
/// before that day and those it made itself ("records stay with the group they were made in").
/// None for everyone who sees the group as it is: the bureau, HQ and current members.
pub fn former_member_until(viewer: &Viewer, group: &GroupRow, today: Date) -> Option<Date> {
    if !matches!(viewer.role, Role::School | Role::Town | Role::Village) {
        return None;
    }
    let own: Vec<_> = group
        .members
        .iter()
        .filter(|m| m.org_id == viewer.org_id)
        .collect();
    if own.is_empty()
        || own
            .iter()
            .any(|m| m.effective_to.is_none_or(|to| to > today))
    {
        return None;
    }
    own.iter().filter_map(|m| m.effective_to).max()
}

/// 五(一): only HQ (市"百千万工程"指挥部) acknowledges and replies to a major matter.
pub fn require_matter_receiver(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Hq])
}

/// 五(一): whether the user may record, correct and withdraw the group's joint meetings, their
/// decisions and its annual cooperation plans: the group's school and town users while their
/// organisation is a member (the coordination group's schools and towns run the meetings).
pub fn may_record_meetings(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    matches!(viewer.role, Role::School | Role::Town)
        && group
            .members
            .iter()
            .any(|m| m.org_id == viewer.org_id && m.active_on(today))
}

/// Whether the user may confirm (or undo the confirmation of) their organisation's attendance
/// at a meeting: a school, town or village user of an organisation the meeting lists as
/// attending, while it is a member of the group.
pub fn may_confirm_attendance(
    viewer: &Viewer,
    group: &GroupRow,
    today: Date,
    attending: &[OrgId],
) -> bool {
    matches!(viewer.role, Role::School | Role::Town | Role::Village)
        && attending.contains(&viewer.org_id)
        && group
            .members
            .iter()
            .any(|m| m.org_id == viewer.org_id && m.active_on(today))
}

/// Whether the user sees a team member's full phone number: the bureau and the member's own
/// organisation; everyone else sees it masked.
pub fn sees_full_phone(viewer: &Viewer, member_org: &OrgId) -> bool {
    viewer.role == Role::Bureau || &viewer.org_id == member_org
}

/// Whether the user may record, correct or withdraw a delegate of `org` to the group's
/// coordination group (五(一)): the bureau any; a school's or a town's user — the parties that
/// run the group's work and its joint meetings — any member's, while their organisation is a
/// member; a village's user only its own village's delegates.
pub fn may_record_coordinator(
    viewer: &Viewer,
    group: &GroupRow,
    today: Date,
    org: Option<&OrgId>,
) -> bool {
    let member_now = group
        .members
        .iter()
        .any(|m| m.org_id == viewer.org_id && m.active_on(today));
    match viewer.role {
        Role::Bureau => true,
        Role::School | Role::Town => member_now,
        Role::Village => member_now && org.is_none_or(|o| o == &viewer.org_id),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{GroupId, PlanId};
    use crate::domain::org::MemberRole;
    use crate::store::GroupMember;

    fn viewer(role: Role, org: &OrgId) -> Viewer {
        Viewer {
            user_id: UserId::new(),
            username: "u".into(),
            display_name: "u".into(),
            org_id: org.clone(),
            org_name: "o".into(),
            role,
            csrf_token: String::new(),
            session_hash: String::new(),
            must_change_password: false,
            ip: "127.0.0.1".into(),
        }
    }

    fn member(org: &OrgId, role: MemberRole, from: &str, to: Option<&str>) -> GroupMember {
        GroupMember {
            org_id: org.clone(),
            name: "m".into(),
            role,
            effective_from: from.parse().unwrap(),
            effective_to: to.map(|t| t.parse().unwrap()),
            medical_focus: false,
            town: None,
        }
    }

    /// A group whose lead town is `town`, with `school` a member until 2025-01-01 and `village`
    /// a member throughout.
    fn group(town: &OrgId, school: &OrgId, village: &OrgId) -> GroupRow {
        GroupRow {
            id: GroupId::new(),
            plan_id: PlanId::new(),
            number: 1,
            lead_town_id: town.clone(),
            lead_town: "镇".into(),
            started_on: jiff::civil::date(2023, 9, 1),
            ended_on: None,
            members: vec![
                member(town, MemberRole::Town, "2023-09-01", None),
                member(
                    school,
                    MemberRole::University,
                    "2023-09-01",
                    Some("2025-01-01"),
                ),
                member(village, MemberRole::Village, "2023-09-01", None),
            ],
        }
    }

    #[test]
    fn who_may_edit_a_group() {
        let (town, school, village, other) =
            (OrgId::new(), OrgId::new(), OrgId::new(), OrgId::new());
        let g = group(&town, &school, &village);
        let before: Date = "2024-12-31".parse().unwrap();
        let after: Date = "2025-01-01".parse().unwrap();
        let cases = [
            (Role::Bureau, &other, before, true),
            (Role::Bureau, &other, after, true),
            (Role::School, &school, before, true),
            // The membership ends on its exclusive end date.
            (Role::School, &school, after, false),
            (Role::School, &other, before, false),
            (Role::Hq, &other, before, false),
            (Role::Town, &town, before, false),
            (Role::Village, &village, before, false),
            (Role::Sysadmin, &other, before, false),
            (Role::Secadmin, &other, before, false),
            (Role::Auditor, &other, before, false),
        ];
        for (role, org, today, expected) in cases {
            assert_eq!(
                may_edit_group(&viewer(role, org), &g, today),
                expected,
                "{role:?} on {today}"
            );
        }
    }

    #[test]
    fn who_sees_which_groups() {
        let org = OrgId::new();
        assert!(matches!(
            group_scope(&viewer(Role::Bureau, &org)),
            GroupScope::All
        ));
        assert!(matches!(
            group_scope(&viewer(Role::Hq, &org)),
            GroupScope::All
        ));
        for role in [Role::School, Role::Town, Role::Village] {
            assert!(
                matches!(group_scope(&viewer(role, &org)), GroupScope::Member(o) if o == org),
                "{role:?}"
            );
        }
        for role in [Role::Sysadmin, Role::Secadmin, Role::Auditor] {
            assert!(matches!(
                group_scope(&viewer(role, &org)),
                GroupScope::Nothing
            ));
            assert!(require_business(&viewer(role, &org)).is_err(), "{role:?}");
        }
    }

    #[test]
    fn each_administrator_has_one_duty() {
        let org = OrgId::new();
        type Check = fn(&Viewer) -> Result<(), ServiceError>;
        let duties: [(&str, Check, &[Role]); 5] = [
            ("accounts", require_account_admin, &[Role::Sysadmin]),
            (
                "role proposals",
                require_role_proposer,
                &[Role::Sysadmin, Role::Secadmin],
            ),
            ("security", require_security_admin, &[Role::Secadmin]),
            ("audit", require_audit_reader, &[Role::Auditor]),
            (
                "directory",
                require_user_directory,
                &[Role::Sysadmin, Role::Secadmin],
            ),
        ];
        for (duty, check, allowed) in duties {
            for role in Role::ALL {
                assert_eq!(
                    check(&viewer(role, &org)).is_ok(),
                    allowed.contains(&role),
                    "{duty}: {role:?}"
                );
            }
        }
    }

    #[test]
    fn no_administrator_acts_on_an_administrator_or_themselves() {
        let org = OrgId::new();
        for admin in [Role::Sysadmin, Role::Secadmin, Role::Auditor] {
            let v = viewer(admin, &org);
            assert!(may_act_on_account(&v, &v.user_id, admin).is_err(), "self");
            for target in Role::ALL {
                assert_eq!(
                    may_act_on_account(&v, &UserId::new(), target).is_ok(),
                    !target.is_admin(),
                    "{admin:?} on {target:?}"
                );
                assert_eq!(check_assignable_role(target).is_ok(), !target.is_admin());
            }
        }
        let refused =
            may_act_on_account(&viewer(Role::Sysadmin, &org), &UserId::new(), Role::Auditor);
        assert!(matches!(refused, Err(ServiceError::Refused(m)) if m.contains("命令行")));
    }

    #[test]
    fn who_may_raise_and_receive_a_major_matter() {
        let (town, school, village, other) =
            (OrgId::new(), OrgId::new(), OrgId::new(), OrgId::new());
        let g = group(&town, &school, &village);
        let before: Date = "2024-12-31".parse().unwrap();
        let after: Date = "2025-01-01".parse().unwrap();
        let may = |role, org: &OrgId, today| may_raise_matter(&viewer(role, org), &g, today);
        assert!(may(Role::School, &school, before));
        assert!(!may(Role::School, &school, after), "no longer a member");
        assert!(may(Role::Town, &town, after));
        assert!(may(Role::Village, &village, after));
        assert!(!may(Role::Village, &other, after), "not a member");
        assert!(!may(Role::Bureau, &other, after), "the bureau reads them");
        assert!(!may(Role::Hq, &other, after), "HQ receives them");
        for role in Role::ALL {
            assert_eq!(
                require_matter_receiver(&viewer(role, &other)).is_ok(),
                role == Role::Hq,
                "{role:?}"
            );
        }
    }

    #[test]
    fn who_may_confirm_onsite_days() {
        let (town, school, village, other) =
            (OrgId::new(), OrgId::new(), OrgId::new(), OrgId::new());
        let g = group(&town, &school, &village);
        let today: Date = "2024-06-01".parse().unwrap();
        let may = |role, org: &OrgId, place: &OrgId, confirmed| {
            may_confirm_onsite(&viewer(role, org), &g, today, place, confirmed)
        };
        assert!(
            may(Role::Town, &town, &village, false),
            "lead town, any place"
        );
        assert!(may(Role::Village, &village, &village, false), "own village");
        assert!(
            !may(Role::Village, &village, &town, false),
            "not another place"
        );
        assert!(!may(Role::Town, &town, &village, true), "only once");
        assert!(!may(Role::Town, &other, &other, false), "not a member");
        assert!(!may(Role::Bureau, &other, &village, false));
        assert!(!may(Role::School, &school, &village, false));
    }
}

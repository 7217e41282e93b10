//! The workbench (工作台) as JSON: the same service as the home page, per role.

use super::groups::VerdictStatus;
use crate::AppState;
use crate::domain::rules::Verdict;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody};
use crate::services::workbench::{self, Workbench};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct WorkbenchVerdict {
    /// Rule id: agreement, team-size, team-captain, team-vice, team-title, onsite, base.
    pub rule: String,
    pub status: VerdictStatus,
    /// Why, in words.
    pub reason: String,
}

impl From<&Verdict> for WorkbenchVerdict {
    fn from(v: &Verdict) -> Self {
        Self {
            rule: v.rule.as_str().into(),
            status: v.status.into(),
            reason: v.reason.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgreementDueDto {
    /// YYYY-MM-DD: the earliest deadline of a party still to sign.
    pub deadline: String,
    /// Days to the deadline; negative once it has passed.
    pub days_left: i64,
    /// The parties still to sign.
    pub parties: Vec<String>,
    pub verdict: WorkbenchVerdict,
}

#[derive(Serialize, ToSchema)]
pub struct OnsiteDueDto {
    /// Days served this year (distinct days with a member on site).
    pub team_days: u32,
    /// Days required this year (pro-rated).
    pub required: u32,
    pub still_needed: u32,
    /// Days still free for service in the group's window of this year.
    pub days_left: u32,
    pub verdict: WorkbenchVerdict,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDueDto {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    /// The group's worst status this year.
    pub worst: VerdictStatus,
    /// Present while a party still has to sign.
    pub agreement: Option<AgreementDueDto>,
    /// The team and base rules that call for action.
    pub gaps: Vec<WorkbenchVerdict>,
    pub onsite: OnsiteDueDto,
}

#[derive(Serialize, ToSchema)]
pub struct NextReportDto {
    /// YYYY-MM.
    pub month: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub days_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolWorkbench {
    pub year: i16,
    /// The school's next monthly report (五(三)); absent while no plan is loaded.
    pub next_report: Option<NextReportDto>,
    pub groups: Vec<GroupDueDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingEntryDto {
    pub id: String,
    pub date_from: String,
    pub date_to: String,
    pub place: String,
    pub content: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupPendingDto {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    /// On-site entries the caller may confirm.
    pub entries: Vec<PendingEntryDto>,
}

#[derive(Serialize, ToSchema)]
pub struct LocalityWorkbench {
    pub groups: Vec<GroupPendingDto>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusCount {
    pub status: VerdictStatus,
    pub groups: usize,
}

#[derive(Serialize, ToSchema)]
pub struct RuleCountsDto {
    pub rule: String,
    pub counts: Vec<StatusCount>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeWorkbench {
    pub year: i16,
    pub groups: usize,
    /// Each group counted once, at its worst status.
    pub worst: Vec<StatusCount>,
    pub rules: Vec<RuleCountsDto>,
    /// HQ only: major matters waiting for its acknowledgement (its queue is `GET /api/v1/matters`).
    pub matters_waiting: Option<i64>,
    /// The bureau only: monthly reports waiting for its review (`GET /api/v1/reports`).
    pub reports_waiting: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminWorkbench {
    /// Accounts waiting for a security administrator.
    pub awaiting_approval: i64,
}

/// One of `school`, `locality`, `programme`, `admin` is present, by the caller's role.
#[derive(Serialize, ToSchema)]
pub struct WorkbenchResponse {
    /// The caller's role: bureau, hq, school, town, village, sysadmin, secadmin or auditor.
    pub role: String,
    /// YYYY-MM-DD, Asia/Shanghai.
    pub today: String,
    pub school: Option<SchoolWorkbench>,
    pub locality: Option<LocalityWorkbench>,
    pub programme: Option<ProgrammeWorkbench>,
    pub admin: Option<AdminWorkbench>,
}

fn counts(c: &[(crate::domain::rules::Status, usize)]) -> Vec<StatusCount> {
    c.iter()
        .map(|(s, n)| StatusCount {
            status: (*s).into(),
            groups: *n,
        })
        .collect()
}

/// What asks for the caller's attention now: a school's groups with what is due next, a town's
/// or village's entries to confirm, the bureau's and HQ's counts by status, an administrator's
/// duties.
#[utoipa::path(get, path = "/api/v1/workbench", tag = "meta", security(("bearer" = [])),
    responses((status = 200, body = WorkbenchResponse), (status = 401, body = ErrorBody)))]
pub async fn get_workbench(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<WorkbenchResponse>, ApiError> {
    let today = state.clock.today();
    let bench = workbench::workbench(&state.store, &state.plans, &user, today).await?;
    let mut out = WorkbenchResponse {
        role: user.role.as_str().into(),
        today: today.to_string(),
        school: None,
        locality: None,
        programme: None,
        admin: None,
    };
    match bench {
        Workbench::School(s) => {
            out.school = Some(SchoolWorkbench {
                year: s.year,
                next_report: s.next_report.map(|r| NextReportDto {
                    month: r.month.to_string(),
                    due_on: r.due_on.to_string(),
                    days_left: r.days_left,
                }),
                groups: s
                    .groups
                    .iter()
                    .map(|g| GroupDueDto {
                        group_id: g.group_id.to_string(),
                        number: g.number,
                        lead_town: g.lead_town.clone(),
                        worst: g.worst.into(),
                        agreement: g.agreement.as_ref().map(|a| AgreementDueDto {
                            deadline: a.deadline.to_string(),
                            days_left: a.days_left,
                            parties: a.parties.clone(),
                            verdict: (&a.verdict).into(),
                        }),
                        gaps: g.gaps.iter().map(Into::into).collect(),
                        onsite: OnsiteDueDto {
                            team_days: g.onsite.team_days,
                            required: g.onsite.required,
                            still_needed: g.onsite.still_needed,
                            days_left: g.onsite.days_left,
                            verdict: (&g.onsite.verdict).into(),
                        },
                    })
                    .collect(),
            })
        }
        Workbench::Locality(l) => {
            out.locality = Some(LocalityWorkbench {
                groups: l
                    .groups
                    .into_iter()
                    .map(|g| GroupPendingDto {
                        group_id: g.group_id.to_string(),
                        number: g.number,
                        lead_town: g.lead_town,
                        entries: g
                            .entries
                            .into_iter()
                            .map(|e| PendingEntryDto {
                                id: e.id.to_string(),
                                date_from: e.date_from.to_string(),
                                date_to: e.date_to.to_string(),
                                place: e.place_name,
                                content: e.content,
                            })
                            .collect(),
                    })
                    .collect(),
            })
        }
        Workbench::Programme(p) => {
            out.programme = Some(ProgrammeWorkbench {
                year: p.year,
                groups: p.groups,
                worst: counts(&p.worst),
                rules: p
                    .rules
                    .iter()
                    .map(|r| RuleCountsDto {
                        rule: r.rule.as_str().into(),
                        counts: counts(&r.counts),
                    })
                    .collect(),
                matters_waiting: p.matters_waiting,
                reports_waiting: p.reports_waiting,
            })
        }
        Workbench::Admin(a) => {
            out.admin = Some(AdminWorkbench {
                awaiting_approval: a.awaiting_approval,
            })
        }
    }
    Ok(Json(out))
}

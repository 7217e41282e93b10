//! Groups: the list the caller may see, one group with its memberships, and its rule verdicts.

use super::paging;
use crate::AppState;
use crate::domain::org::MemberRole;
use crate::domain::rules::Status;
use crate::http::auth::ApiUser;
use crate::http::params::{non_empty, parse_year};
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::compliance::{self, GroupList, StatusFilter};
use crate::services::workspace::open_group;
use crate::store::GroupRow;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: String,
}

/// A group's member organisations as they stand today, by role.
#[derive(Serialize, ToSchema)]
pub struct MembersByRole {
    pub university: Vec<OrgRef>,
    pub vocational_school: Vec<OrgRef>,
    pub town: Vec<OrgRef>,
    pub village: Vec<OrgRef>,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipDto {
    pub organisation: OrgRef,
    /// university, vocational_school, town or village.
    pub role: String,
    /// YYYY-MM-DD.
    pub effective_from: String,
    /// YYYY-MM-DD (exclusive), absent while the membership holds.
    pub effective_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    pub id: String,
    pub number: i64,
    pub lead_town: OrgRef,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub members: MembersByRole,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupDto,
    pub plan: String,
    /// Every membership, past and present, with its dates.
    pub memberships: Vec<MembershipDto>,
}

/// A group of the list with its worst verdict this year.
#[derive(Serialize, ToSchema)]
pub struct GroupListItem {
    #[serde(flatten)]
    pub group: GroupDto,
    /// The group's worst status over its rules for the current calendar year.
    pub status: VerdictStatus,
}

#[derive(Serialize, ToSchema)]
pub struct GroupPage {
    pub items: Vec<GroupListItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
    /// Group number or member organisation name.
    pub q: Option<String>,
    /// With `status`: only groups whose verdict on this rule (agreement, team-size,
    /// team-captain, team-vice, team-title, onsite, base) is `status` this year.
    pub rule: Option<String>,
    /// Only groups at this status this year (see `VerdictStatus`): on `rule`, or, without a
    /// rule, as their worst status.
    pub status: Option<String>,
}

fn group_dto(g: &GroupRow, today: jiff::civil::Date) -> GroupDto {
    let refs = |role: MemberRole| {
        g.members_on(role, today)
            .map(|m| OrgRef {
                id: m.org_id.to_string(),
                name: m.name.clone(),
            })
            .collect()
    };
    GroupDto {
        id: g.id.to_string(),
        number: g.number,
        lead_town: OrgRef {
            id: g.lead_town_id.to_string(),
            name: g.lead_town.clone(),
        },
        started_on: g.started_on.to_string(),
        ended_on: g.ended_on.map(|d| d.to_string()),
        members: MembersByRole {
            university: refs(MemberRole::University),
            vocational_school: refs(MemberRole::VocationalSchool),
            town: refs(MemberRole::Town),
            village: refs(MemberRole::Village),
        },
    }
}

/// The groups the caller may see.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = GroupPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (sysadmin, auditor)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn list_groups(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GroupPage>, ApiError> {
    user.require_business()?;
    let q = super::query(query)?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    let (rule, status) = (non_empty(&q.rule), non_empty(&q.status));
    let by_status = StatusFilter::parse(rule.as_deref(), status.as_deref(), ("rule", "status"))
        .map_err(|e| ApiError(AppError::Invalid(e)))?;
    let today = state.clock.today();
    let (rows, total) = compliance::list_groups_with_status(
        &state.store,
        &state.plans,
        &user,
        GroupList {
            q: non_empty(&q.q),
            by_status,
            limit: per_page,
            offset: (page - 1) * per_page,
        },
        today.year(),
        today,
    )
    .await?;
    Ok(Json(GroupPage {
        items: rows
            .iter()
            .map(|(g, s)| GroupListItem {
                group: group_dto(g, today),
                status: (*s).into(),
            })
            .collect(),
        total,
        page,
        per_page,
    }))
}

/// One group; 404 when it does not exist or the caller may not see it.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = GroupDetail), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<GroupDetail>, ApiError> {
    let view = open_group(&state.store, &state.plans, &user, &id, state.clock.today())
        .await?
        .view;
    let today = state.clock.today();
    let memberships = view
        .group
        .members
        .iter()
        .map(|m| MembershipDto {
            organisation: OrgRef {
                id: m.org_id.to_string(),
                name: m.name.clone(),
            },
            role: m.role.as_str().to_string(),
            effective_from: m.effective_from.to_string(),
            effective_to: m.effective_to.map(|d| d.to_string()),
        })
        .collect();
    Ok(Json(GroupDetail {
        group: group_dto(&view.group, today),
        plan: view.plan_doc_no,
        memberships,
    }))
}

/// A rule's verdict: `met` 符合, `not_met` 不符合, `unattainable` 无法按期完成 (not due yet but
/// can no longer be met in time, e.g. more on-site days needed than the year has left),
/// `nothing_to_judge` 无可判断 (e.g. the title rule on a team with no ordinary members),
/// `not_yet_due` 未到期, `not_applicable` 不适用, `advisory` 倡导.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    Met,
    NotMet,
    Unattainable,
    NothingToJudge,
    NotYetDue,
    NotApplicable,
    Advisory,
}

impl From<Status> for VerdictStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Met => Self::Met,
            Status::NotMet => Self::NotMet,
            Status::Unattainable => Self::Unattainable,
            Status::NothingToJudge => Self::NothingToJudge,
            Status::NotYetDue => Self::NotYetDue,
            Status::NotApplicable => Self::NotApplicable,
            Status::Advisory => Self::Advisory,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    /// Rule id: agreement, team-size, team-captain, team-vice, team-title, onsite, base, meetings,
    /// annual-plan, escalation, evaluation, publicity.
    pub id: String,
    /// The clause of the plan the rule comes from, e.g. 四(一).
    pub clause: String,
    pub title: String,
    pub status: VerdictStatus,
    /// Why, in words (names the person or the figures).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChecksResponse {
    pub group_id: String,
    pub year: i16,
    /// The date the year's facts were read on (31 December, or today for the running year).
    pub as_of: String,
    pub checks: Vec<CheckDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Calendar year, 2000–2100; this year when absent.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The verdict of every rule implemented so far, for one group and calendar year.
#[utoipa::path(get, path = "/api/v1/groups/{id}/checks", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), YearQuery),
    responses((status = 200, body = ChecksResponse), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn group_checks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChecksResponse>, ApiError> {
    let q = super::query(query)?;
    let ws = open_group(&state.store, &state.plans, &user, &id, state.clock.today()).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let checks = ws.checks(&state.store, year).await?;
    Ok(Json(ChecksResponse {
        group_id: ws.group().id.to_string(),
        year,
        as_of: checks.verdicts.period.as_of.to_string(),
        checks: checks
            .verdicts
            .verdicts
            .iter()
            .map(|v| CheckDto {
                id: v.rule.as_str().into(),
                clause: checks.plan.rule_clause(v.rule).into(),
                title: checks.plan.rule_title(v.rule),
                status: v.status.into(),
                reason: v.reason.clone(),
            })
            .collect(),
    }))
}

/// The group's year at a glance: projects by area and status with the outcome figures recorded,
/// expenses by party, meetings held against required, the annual plan's items, open major
/// matters, and what is left to do.
#[utoipa::path(get, path = "/api/v1/groups/{id}/glance", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), YearQuery),
    responses((status = 200, body = crate::services::workspace::glance::YearGlance), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn group_glance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<crate::services::workspace::glance::YearGlance>, ApiError> {
    let q = super::query(query)?;
    use crate::services::workspace::year_page::{stamp_before_opening, year_page};
    let stamp = stamp_before_opening(&state.store, &id).await?;
    let ws = open_group(&state.store, &state.plans, &user, &id, state.clock.today()).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let page = year_page(&state.store, &state.year_pages, &ws, stamp, year).await?;
    Ok(Json(page.glance.clone()))
}

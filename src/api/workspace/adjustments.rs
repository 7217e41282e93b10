//! 结对调整 (动态调整, 五(三)) through the API: a group's timeline (memberships with the
//! adjustments behind them, the team's spells), its adjustments, and HQ recording one.

use super::{Created, body, created, open};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::adjustment::AdjustmentInput;
use crate::http::ApiError;
use crate::http::ErrorBody;
use crate::http::auth::ApiUser;
use crate::http::writer;
use crate::services::adjustments as services;
use crate::store::adjustments::AdjustmentRow;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, Clone)]
pub struct AdjustmentDto {
    pub id: String,
    pub group_id: String,
    /// evaluation (评价结果), effectiveness (三方合作成效), willingness (合作意愿) or
    /// typical_list (典型镇村名单调整).
    pub grounds: String,
    pub grounds_label: String,
    /// The body or meeting that decided.
    pub decided_by: String,
    #[schema(format = Date)]
    pub effective_on: String,
    /// When the parties added sign their supplementary agreement by (四(二)); null when none joined.
    #[schema(format = Date)]
    pub supplementary_due: Option<String>,
    /// Whether the service team has to be reworked.
    pub team_rework: bool,
    pub note: String,
    pub recorded_by: String,
    /// When it was recorded (Beijing time).
    pub recorded_at: String,
}

impl From<&AdjustmentRow> for AdjustmentDto {
    fn from(a: &AdjustmentRow) -> Self {
        Self {
            id: a.id.to_string(),
            group_id: a.group_id.to_string(),
            grounds: a.grounds.as_str().into(),
            grounds_label: a.grounds.label().into(),
            decided_by: a.decided_by.clone(),
            effective_on: a.effective_on.to_string(),
            supplementary_due: a.supplementary_due.map(|d| d.to_string()),
            team_rework: a.team_rework,
            note: a.note.clone(),
            recorded_by: a.recorded_by.clone(),
            recorded_at: format_ms(a.created_at),
        }
    }
}

/// One membership of the group, from `effective_from` until (not including) `effective_to`.
#[derive(Serialize, ToSchema)]
pub struct MembershipDto {
    /// The membership's id (what an adjustment's `end` names).
    pub id: String,
    pub org: super::OrgRef,
    /// town, village, university or vocational_school.
    pub role: String,
    #[schema(format = Date)]
    pub effective_from: String,
    /// Exclusive; null while it lasts.
    #[schema(format = Date)]
    pub effective_to: Option<String>,
    /// The adjustment that started it (null for the pairing table's memberships).
    pub started_by: Option<AdjustmentDto>,
    /// The adjustment that ended it.
    pub ended_by: Option<AdjustmentDto>,
}

/// A team member's spell on the team.
#[derive(Serialize, ToSchema)]
pub struct TeamSpellDto {
    pub id: String,
    pub person_name: String,
    pub org: super::OrgRef,
    /// captain, vice_captain or member.
    pub team_role: String,
    #[schema(format = Date)]
    pub joined_on: String,
    /// Exclusive; null while on the team.
    #[schema(format = Date)]
    pub left_on: Option<String>,
}

/// One dated event of the timeline.
#[derive(Serialize, ToSchema)]
pub struct TimelineEventDto {
    #[schema(format = Date)]
    pub on: String,
    /// member_joined, member_left, team_joined or team_left.
    pub kind: String,
    pub who: String,
    pub what: String,
    /// The adjustment's id behind a membership's start or end.
    pub adjustment_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TimelineDto {
    pub memberships: Vec<MembershipDto>,
    pub team: Vec<TeamSpellDto>,
    /// The memberships' and the team's starts and ends, earliest first.
    pub events: Vec<TimelineEventDto>,
}

/// The group's timeline: every membership (with the adjustment that started or ended it) and
/// every team spell, and the two as dated events (everyone who sees the group).
#[utoipa::path(get, path = "/api/v1/groups/{id}/timeline", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = TimelineDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn group_timeline(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TimelineDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let t = services::timeline(&state.store, &ws).await?;
    Ok(Json(TimelineDto {
        memberships: t
            .memberships
            .iter()
            .map(|m| MembershipDto {
                id: m.record.spell.id.to_string(),
                org: super::OrgRef {
                    id: m.record.spell.org_id.to_string(),
                    name: m.record.spell.name.clone(),
                },
                role: m.record.spell.role.as_str().into(),
                effective_from: m.record.spell.from.to_string(),
                effective_to: m.record.spell.to.map(|d| d.to_string()),
                started_by: m.started_by.as_ref().map(AdjustmentDto::from),
                ended_by: m.ended_by.as_ref().map(AdjustmentDto::from),
            })
            .collect(),
        team: t
            .team
            .iter()
            .map(|s| TeamSpellDto {
                id: s.id.to_string(),
                person_name: s.person_name.clone(),
                org: super::OrgRef {
                    id: s.org_id.to_string(),
                    name: s.org_name.clone(),
                },
                team_role: s.role.as_str().into(),
                joined_on: s.joined_on.to_string(),
                left_on: s.left_on.map(|d| d.to_string()),
            })
            .collect(),
        events: t
            .events
            .iter()
            .map(|e| TimelineEventDto {
                on: e.on.to_string(),
                kind: e.kind.into(),
                who: e.who.clone(),
                what: e.what.clone(),
                adjustment_id: e.adjustment.as_ref().map(|a| a.id.to_string()),
            })
            .collect(),
    }))
}

/// The group's adjustments, by effective date (everyone who sees the group).
#[utoipa::path(get, path = "/api/v1/groups/{id}/adjustments", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<AdjustmentDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_adjustments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<AdjustmentDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = services::list_adjustments(&state.store, &ws).await?;
    Ok(Json(rows.iter().map(AdjustmentDto::from).collect()))
}

/// An organisation to add to the group, in a role its kind allows.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// The organisation's id.
    #[serde(default)]
    pub org: String,
    /// town, village, university or vocational_school (the organisation's kind).
    #[serde(default)]
    pub role: String,
}

/// An adjustment as HQ records it (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// evaluation, effectiveness, willingness or typical_list (or 评价结果, 三方合作成效,
    /// 合作意愿, 典型镇村名单调整).
    #[serde(default)]
    pub grounds: String,
    /// The body or meeting that decided, e.g. 市指挥部2025年第2次会议.
    #[serde(default)]
    pub decided_by: String,
    /// YYYY-MM-DD: the ended memberships' last day is the day before; the new ones start on it.
    #[serde(default)]
    #[schema(format = Date)]
    pub effective_on: String,
    /// Ids of the group's current memberships to end (see the timeline).
    #[serde(default)]
    pub end: Vec<String>,
    /// Organisations to add.
    #[serde(default)]
    pub add: Vec<AddMemberRequest>,
    /// Whether the service team has to be reworked; by default, when a school leaves or joins.
    #[serde(default)]
    pub team_rework: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

impl AdjustmentRequest {
    fn input(self) -> AdjustmentInput {
        AdjustmentInput {
            grounds: self.grounds,
            decided_by: self.decided_by,
            effective_on: self.effective_on,
            end: self.end,
            add: self.add.into_iter().map(|a| (a.org, a.role)).collect(),
            team_rework: self.team_rework,
            note: self.note.unwrap_or_default(),
        }
    }
}

/// Records an adjustment of the group's pairing (HQ only): ends the memberships named on the
/// effective date and starts the new ones from it; nothing is deleted, and the group's records
/// stay with it. A party added owes a supplementary agreement by `supplementary_due`.
#[utoipa::path(post, path = "/api/v1/groups/{id}/adjustments", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = AdjustmentRequest,
    responses(
        (status = 201, description = "Recorded; the memberships changed", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but HQ", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The memberships changed at the same moment", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`; nothing changed", body = ErrorBody),
    ))]
pub async fn add_adjustment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<AdjustmentRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    crate::services::access::require_adjuster(&user)?;
    let input = body(req)?.input();
    let (id, _) = services::record_adjustment(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// A new group as HQ sets it up (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroupRequest {
    /// evaluation, effectiveness, willingness or typical_list.
    #[serde(default)]
    pub grounds: String,
    /// The body or meeting that decided.
    #[serde(default)]
    pub decided_by: String,
    /// YYYY-MM-DD: the group and its memberships start on it.
    #[serde(default)]
    #[schema(format = Date)]
    pub effective_on: String,
    /// The lead town's organisation id.
    #[serde(default)]
    pub lead_town: String,
    /// The other members (at least one school).
    #[serde(default)]
    pub members: Vec<AddMemberRequest>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Sets up a new group by an adjustment (HQ only, 五(三)): numbered after the current plan's
/// last group; its tripartite agreement is due the plan's months after the effective date.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", security(("bearer" = [])),
    request_body = NewGroupRequest,
    responses(
        (status = 201, description = "The new group's id", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but HQ", body = ErrorBody),
        (status = 409, description = "No plan loaded, or another group took the number at the same moment", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`; nothing changed", body = ErrorBody),
    ))]
pub async fn create_group(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    req: Result<Json<NewGroupRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    crate::services::access::require_business(&user)?;
    crate::services::access::require_adjuster(&user)?;
    let req = body(req)?;
    let input = crate::domain::adjustment::NewGroupInput {
        grounds: req.grounds,
        decided_by: req.decided_by,
        effective_on: req.effective_on,
        lead_town: req.lead_town,
        members: req.members.into_iter().map(|m| (m.org, m.role)).collect(),
        note: req.note.unwrap_or_default(),
    };
    let id = services::create_group(&writer(&state, &user), state.clock.today(), &input).await?;
    Ok(created(id))
}

/// A correction of an adjustment (unknown fields are refused, 422): every field as it should be.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentCorrection {
    /// evaluation, effectiveness, willingness or typical_list.
    #[serde(default)]
    pub grounds: String,
    #[serde(default)]
    pub decided_by: String,
    /// YYYY-MM-DD: the memberships it ended and started move to it.
    #[serde(default)]
    #[schema(format = Date)]
    pub effective_on: String,
    /// Whether the service team has to be reworked (unchanged when left out).
    #[serde(default)]
    pub team_rework: Option<bool>,
    /// Unchanged when left out; "" clears it.
    #[serde(default)]
    pub note: Option<String>,
}

/// Corrects an adjustment entered with a mistake (HQ only): its grounds, deciding body, note,
/// team rework and effective date; the memberships it ended and started move with the date,
/// checked as the adjustment was. Kept in its 修改记录
/// (`/api/v1/groups/{id}/records/adjustment/{adjustment}/history`).
#[utoipa::path(put, path = "/api/v1/groups/{id}/adjustments/{adjustment}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "Adjustment id")),
    request_body = AdjustmentCorrection,
    responses(
        (status = 200, description = "Corrected (or unchanged): the adjustment as it now stands", body = AdjustmentDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but HQ", body = ErrorBody),
        (status = 404, description = "No such group, or no such adjustment of it", body = ErrorBody),
        (status = 409, description = "The group changed at the same moment", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`; nothing changed", body = ErrorBody),
    ))]
pub async fn correct_adjustment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment)): Path<(String, String)>,
    req: Result<Json<AdjustmentCorrection>, JsonRejection>,
) -> Result<Json<AdjustmentDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let before = services::adjustment(&state.store, &ws, &adjustment).await?;
    crate::services::access::require_adjuster(&user)?;
    let fix = body(req)?;
    let fix = AdjustmentInput {
        grounds: fix.grounds,
        decided_by: fix.decided_by,
        effective_on: fix.effective_on,
        team_rework: fix.team_rework,
        // Left out: as it was (like team_rework); "" clears it.
        note: fix.note.unwrap_or(before.note),
        ..AdjustmentInput::default()
    };
    services::correct_adjustment(&writer(&state, &user), &ws, &adjustment, &fix).await?;
    let a = services::adjustment(&state.store, &ws, &adjustment).await?;
    Ok(Json(AdjustmentDto::from(&a)))
}

//! 经费 through the API: the filtered list with its totals, recording one, correcting one and
//! withdrawing one entered by mistake. Amounts go in and out as yuan strings ("1200.50"), with
//! the integer `amount_fen` in responses.

use super::{Created, body, created, open, org_ref};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::expense::{ExpenseInput, ShareInput};
use crate::domain::money::{plain_yuan, show_percent};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::OpenedGroup;
use crate::services::workspace::expenses;
use crate::store::expenses::{ExpenseRow, Sum};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub org: OrgRef,
    /// The agreed share, "33.33".
    pub percent: String,
    /// The fen of the amount this share bears (the shares add up to the amount exactly); null
    /// for a contribution in kind without a value.
    pub amount_fen: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ExpenseDto {
    pub id: String,
    #[schema(format = Date)]
    pub spent_on: String,
    /// Yuan with two decimals ("1200.50"); null for a contribution in kind without a value.
    pub amount: Option<String>,
    pub amount_fen: Option<i64>,
    /// transport, living_allowance, office_equipment, major_activity or other.
    pub kind: String,
    /// A contribution in kind (office space, equipment): the amount is its estimated value.
    pub in_kind: bool,
    pub payer: OrgRef,
    pub initiator: Option<OrgRef>,
    pub notes: String,
    /// Empty unless the parties agreed to share.
    pub shares: Vec<ShareDto>,
    /// The group's cooperation project it was spent on, if any.
    pub project: Option<ExpenseProjectDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ExpenseProjectDto {
    pub id: String,
    pub title: String,
}

fn dto(ws: &OpenedGroup, x: ExpenseRow) -> ExpenseDto {
    let project = x.project_id.as_ref().map(|p| ExpenseProjectDto {
        id: p.to_string(),
        title: x.project_title.clone().unwrap_or_default(),
    });
    ExpenseDto {
        project,
        id: x.id.to_string(),
        spent_on: x.spent_on.to_string(),
        amount: x.amount_fen.map(plain_yuan),
        amount_fen: x.amount_fen,
        kind: x.kind,
        in_kind: x.in_kind,
        payer: OrgRef {
            id: x.payer_org_id.to_string(),
            name: x.payer_name,
        },
        initiator: x.initiator_org_id.as_ref().map(|o| org_ref(ws, o)),
        notes: x.notes,
        shares: x
            .shares
            .into_iter()
            .map(|s| ShareDto {
                org: OrgRef {
                    id: s.org_id.to_string(),
                    name: s.org_name,
                },
                percent: show_percent(s.basis_points)
                    .trim_end_matches('%')
                    .to_string(),
                amount_fen: s.amount_fen.filter(|_| x.amount_fen.is_some()),
            })
            .collect(),
    }
}

/// Cash paid and contributions in kind, in fen and as yuan.
#[derive(Serialize, ToSchema)]
pub struct SumDto {
    pub cash_fen: i64,
    pub cash: String,
    pub in_kind_fen: i64,
    pub in_kind: String,
    pub count: i64,
}

impl From<&Sum> for SumDto {
    fn from(s: &Sum) -> Self {
        Self {
            cash_fen: s.cash_fen,
            cash: plain_yuan(s.cash_fen),
            in_kind_fen: s.in_kind_fen,
            in_kind: plain_yuan(s.in_kind_fen),
            count: s.count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartySumDto {
    pub org: OrgRef,
    #[serde(flatten)]
    pub sum: SumDto,
}

#[derive(Serialize, ToSchema)]
pub struct KeyedSumDto {
    /// The kind's code or the year.
    pub key: String,
    #[serde(flatten)]
    pub sum: SumDto,
}

#[derive(Serialize, ToSchema)]
pub struct ExpenseTotalsDto {
    pub all: SumDto,
    /// What each party bore: its agreed shares, else what it paid.
    pub by_party: Vec<PartySumDto>,
    pub by_kind: Vec<KeyedSumDto>,
    pub by_year: Vec<KeyedSumDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ExpenseListDto {
    pub items: Vec<ExpenseDto>,
    /// How many match the filters (all pages).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// Over every matching expense, not only this page.
    pub totals: ExpenseTotalsDto,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpenseListQuery {
    /// Calendar year, e.g. 2026.
    pub year: Option<String>,
    /// transport, living_allowance, office_equipment, major_activity or other.
    pub kind: Option<String>,
    /// Payer organisation id.
    pub payer: Option<String>,
    /// 1-based page number (newest first), at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The group's expenses (filtered, a page at a time) with the totals of every match, exact to
/// the fen; for everyone who sees the group.
#[utoipa::path(get, path = "/api/v1/groups/{id}/expenses", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ExpenseListQuery),
    responses((status = 200, body = ExpenseListDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "A filter that is not a year, kind or organisation id", body = ErrorBody)))]
pub async fn list_expenses(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    q: Result<Query<ExpenseListQuery>, QueryRejection>,
) -> Result<Json<ExpenseListDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let q = crate::api::query(q)?;
    let filter = expenses::parse_filter(q.year.as_deref(), q.kind.as_deref(), q.payer.as_deref())?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let (rows, total) = expenses::list_expenses(
        &state.store,
        &ws,
        &filter,
        Some((per_page, (page - 1) * per_page)),
    )
    .await?;
    let t = expenses::expense_totals(&state.store, &ws, &filter).await?;
    Ok(Json(ExpenseListDto {
        items: rows.into_iter().map(|x| dto(&ws, x)).collect(),
        total,
        page,
        per_page,
        totals: ExpenseTotalsDto {
            all: (&t.all).into(),
            by_party: t
                .by_party
                .iter()
                .map(|(id, name, s)| PartySumDto {
                    org: OrgRef {
                        id: id.to_string(),
                        name: name.clone(),
                    },
                    sum: s.into(),
                })
                .collect(),
            by_kind: t
                .by_kind
                .iter()
                .map(|(k, s)| KeyedSumDto {
                    key: k.clone(),
                    sum: s.into(),
                })
                .collect(),
            by_year: t
                .by_year
                .iter()
                .map(|(y, s)| KeyedSumDto {
                    key: y.clone(),
                    sum: s.into(),
                })
                .collect(),
        },
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// A member organisation of the group on the expense's date.
    pub org_id: String,
    /// Up to two decimals, "33.33"; the shares add up to exactly 100.
    pub percent: String,
}

/// An expense as recorded or corrected: every field as it should be (unknown fields are
/// refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseRequest {
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    #[schema(format = Date)]
    pub spent_on: String,
    /// Yuan as a string with up to two decimals ("1200.50"); may be omitted for a contribution
    /// in kind without an estimated value. Numbers are refused: send text, so no floating point
    /// touches an amount.
    #[serde(default)]
    pub amount: Option<String>,
    /// The member organisation that paid (or provided it).
    #[serde(default)]
    pub payer_org_id: String,
    /// transport, living_allowance, office_equipment, major_activity or other.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub in_kind: bool,
    /// Required for major_activity (谁发起、谁负责).
    #[serde(default)]
    pub initiator_org_id: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Only when the parties agreed to share: at least two, adding up to exactly 100.
    #[serde(default)]
    pub shares: Vec<ShareRequest>,
    /// One of the group's cooperation projects (its id), if the money was spent on one.
    #[serde(default)]
    pub project_id: Option<String>,
}

impl ExpenseRequest {
    fn input(self) -> ExpenseInput {
        ExpenseInput {
            spent_on: self.spent_on,
            amount: self.amount.unwrap_or_default(),
            payer: self.payer_org_id,
            kind: self.kind,
            in_kind: self.in_kind,
            initiator: self.initiator_org_id.unwrap_or_default(),
            notes: self.notes.unwrap_or_default(),
            project: self.project_id.unwrap_or_default(),
            shares: self
                .shares
                .into_iter()
                .map(|s| ShareInput {
                    org: s.org_id,
                    // A share sent without a percentage is a share of nothing, not "no share".
                    percent: if s.percent.trim().is_empty() {
                        "0".into()
                    } else {
                        s.percent
                    },
                })
                .collect(),
        }
    }
}

/// Records an expense (the group's schools and towns, and the bureau; not villages).
#[utoipa::path(post, path = "/api/v1/groups/{id}/expenses", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = ExpenseRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`, each saying what to type instead", body = ErrorBody),
    ))]
pub async fn add_expense(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<ExpenseRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !expenses::may_record(&user, &ws) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = expenses::add_expense(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// Corrects an expense; the change is kept in its 修改记录 with the fields' old and new values.
#[utoipa::path(put, path = "/api/v1/groups/{id}/expenses/{expense}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("expense" = String, Path, description = "Expense id")),
    request_body = ExpenseRequest,
    responses(
        (status = 200, description = "Corrected", body = ExpenseDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such expense in it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_expense(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, expense)): Path<(String, String)>,
    req: Result<Json<ExpenseRequest>, JsonRejection>,
) -> Result<Json<ExpenseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !expenses::may_record(&user, &ws) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    expenses::update_expense(&writer(&state, &user), &ws, &expense, &input).await?;
    let row = expenses::expense(&state.store, &ws, &expense).await?;
    Ok(Json(dto(&ws, row)))
}

/// Withdraws an expense entered by mistake (kept in the audit log).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/expenses/{expense}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("expense" = String, Path, description = "Expense id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn withdraw_expense(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, expense)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    expenses::withdraw_expense(&writer(&state, &user), &ws, &expense).await?;
    Ok(StatusCode::NO_CONTENT)
}

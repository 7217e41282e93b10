//! The programme's organisations.

use super::paging;
use crate::AppState;
use crate::domain::FieldError;
use crate::domain::org::OrgKind;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::store::OrgFilter;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: String,
    pub name: String,
    /// university, vocational_school, town, village, bureau or hq.
    pub kind: String,
    pub region: String,
    pub medical_focus: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// university, vocational_school, town, village, bureau or hq; empty for every kind.
    #[param(pattern = "^(|university|vocational_school|town|village|bureau|hq)$")]
    pub kind: Option<String>,
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The organisations of the programme, optionally of one kind.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrgQuery), security(("bearer" = [])),
    responses((status = 200, body = OrganisationPage), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<OrgQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrganisationPage>, ApiError> {
    user.require_business()?;
    let q = super::query(query)?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    // Exactly a code or nothing, as the document says.
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(OrgKind::parse(k).ok_or_else(|| {
            let all: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
            AppError::Invalid(FieldError::new(
                "kind",
                format!("“{k}”不是有效的单位类型，可选：{}", all.join(", ")),
            ))
        })?),
        None => None,
    };
    let (rows, total) = state
        .store
        .list_organisations(&OrgFilter {
            kind,
            q: None,
            limit: per_page,
            offset: (page - 1) * per_page,
        })
        .await?;
    let items = rows
        .into_iter()
        .map(|o| OrganisationDto {
            id: o.id.to_string(),
            name: o.name,
            kind: o.kind.as_str().into(),
            region: o.region_name,
            medical_focus: o.medical_focus,
        })
        .collect();
    Ok(Json(OrganisationPage {
        items,
        total,
        page,
        per_page,
    }))
}

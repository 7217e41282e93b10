//! Organisations, the region tree and the plan with its rules.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::domain::ids::RegionId;
use crate::domain::org::OrgKind;
use crate::domain::rules::RuleId;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::{access, compliance};
use crate::store::{OrgFilter, OrgRow, RegionRow};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/organisations.html")]
struct OrganisationsPage {
    chrome: Chrome,
    orgs: Vec<OrgRow>,
    kinds: Vec<KindOption>,
    q: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct OrgQuery {
    kind: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

fn org_filter(query: &OrgQuery, limit: i64, offset: i64) -> Result<OrgFilter, AppError> {
    let kind = match non_empty(&query.kind) {
        Some(k) => Some(OrgKind::parse(&k).ok_or_else(|| {
            crate::domain::FieldError::new("类型", format!("“{k}”不是有效的单位类型"))
        })?),
        None => None,
    };
    Ok(OrgFilter {
        kind,
        q: non_empty(&query.q),
        limit,
        offset,
    })
}

pub async fn list_organisations(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<OrgQuery>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let (page, offset) = page_offset(query.page.as_deref());
    let filter = org_filter(&query, PER_PAGE, offset)?;
    let (orgs, total) = state.store.list_organisations(&filter).await?;
    let kind_code = filter.kind.map(|k| k.as_str());
    let page = OrganisationsPage {
        chrome: Chrome::new(&user, "organisations"),
        orgs,
        kinds: OrgKind::ALL
            .iter()
            .map(|k| KindOption {
                code: k.as_str(),
                label: k.label(),
                selected: Some(k.as_str()) == kind_code,
            })
            .collect(),
        pager: Pager::new(
            "/organisations",
            &[("kind", kind_code), ("q", filter.q.as_deref())],
            page,
            total,
        ),
        q: filter.q.clone().unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn export_organisations(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<OrgQuery>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let (orgs, _) = state
        .store
        .list_organisations(&org_filter(&query, EXPORT_LIMIT, 0)?)
        .await?;
    let table = Table {
        sheet: "单位".into(),
        headers: vec!["名称", "类型", "所在区划", "医学为主"],
        rows: orgs
            .into_iter()
            .map(|o| {
                vec![
                    o.name,
                    o.kind.label().to_string(),
                    o.region_name,
                    if o.medical_focus { "是" } else { "" }.to_string(),
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "organisation", None, "单位名录.xlsx", &table).await
}

#[derive(Template)]
#[template(path = "pages/regions.html")]
struct RegionsPage {
    chrome: Chrome,
    path: Vec<RegionRow>,
    children: Vec<RegionRow>,
    orgs: Vec<OrgRow>,
}

#[derive(Deserialize)]
pub struct RegionQuery {
    parent: Option<String>,
}

/// One level of the tree at a time, with breadcrumbs: it stays small at province scale.
pub async fn list_regions(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<RegionQuery>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let parent = match non_empty(&query.parent) {
        Some(p) => Some(RegionId::parse(&p).ok_or(AppError::NotFound)?),
        None => None,
    };
    let path = match &parent {
        Some(p) => {
            let path = state.store.region_path(p).await?;
            if path.is_empty() {
                return Err(AppError::NotFound);
            }
            path
        }
        None => Vec::new(),
    };
    let children = state.store.list_regions(parent.as_ref()).await?;
    let orgs = match &parent {
        Some(p) => state.store.organisations_in_region(p).await?,
        None => Vec::new(),
    };
    Ok(render(&RegionsPage {
        chrome: Chrome::new(&user, "regions"),
        path,
        children,
        orgs,
    })?
    .into_response())
}

pub struct RuleLine {
    pub id: &'static str,
    pub clause: &'static str,
    pub title: String,
    pub parameter: String,
    pub advisory: bool,
}

#[derive(Template)]
#[template(path = "pages/plan.html")]
struct PlanPage {
    chrome: Chrome,
    name: String,
    doc_no: String,
    issued_on: String,
    report_start_month: String,
    targets: String,
    rules: Vec<RuleLine>,
    /// 二: each school's pairing this year (bureau and HQ only).
    pairing_year: i16,
    pairing_title: String,
    pairing: Vec<PairingLine>,
}

pub struct PairingLine {
    pub school: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub label: &'static str,
    pub reason: String,
}

pub async fn get_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    user.require_business()?;
    let (_, plan) = state
        .plans
        .current(&state.store)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let pairing = if access::sees_programme(&user) {
        compliance::school_checks(&state.store, &state.plans, today.year(), today)
            .await?
            .into_iter()
            .map(|s| PairingLine {
                school: s.school.name,
                kind: s.school.kind.label(),
                status: s.verdict.status.as_str(),
                label: s.verdict.status.label(),
                reason: s.verdict.reason,
            })
            .collect()
    } else {
        Vec::new()
    };
    let t = &plan.targets;
    let page = PlanPage {
        pairing_year: today.year(),
        pairing_title: plan.rule_title(RuleId::Pairing),
        pairing,
        chrome: Chrome::new(&user, "plan"),
        rules: RuleId::ALL
            .iter()
            .map(|r| RuleLine {
                id: r.as_str(),
                clause: r.clause(),
                title: plan.rule_title(*r),
                parameter: plan.describe(*r),
                advisory: r.advisory(),
            })
            .collect(),
        targets: format!(
            "{} 年结对签约；{} 年多样化合作；{} 年取得显著成效",
            t.pairing_year, t.diversified_year, t.significant_year
        ),
        name: plan.name.clone(),
        doc_no: plan.doc_no.clone(),
        issued_on: plan.issued_on.to_string(),
        report_start_month: plan.report_start_month.to_string(),
    };
    Ok(render(&page)?.into_response())
}

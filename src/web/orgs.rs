//! Organisations, the region tree and the plan with its rules.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::domain::ids::RegionId;
use crate::domain::org::OrgKind;
use crate::domain::rules::RuleId;
use crate::domain::user::Role;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::access::Viewer;
use crate::services::{access, compliance, plan_versions};
use crate::store::{OrgFilter, OrgRow, RegionRow};
use crate::web::forms::{ErrorSummary, saved_notice};
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
    pub clause: String,
    pub title: String,
    /// The rule's words in the founding document.
    pub wording: String,
    pub parameter: String,
    pub advisory: bool,
}

/// One version of the plan, for the versions table (the original first).
pub struct VersionLine {
    pub label: String,
    pub doc_no: String,
    pub from_year: String,
    pub loaded: String,
    /// In force this year.
    pub current: bool,
}

/// The bureau's form to load a new version: what was typed, the errors, or the confirmation
/// asked for (with the checked text carried in the form, so it is not uploaded twice).
#[derive(Default)]
pub struct VersionForm {
    pub from_year: String,
    pub summary: Option<ErrorSummary>,
    pub confirm: Option<VersionConfirm>,
}

pub struct VersionConfirm {
    pub warnings: Vec<String>,
    /// What `xiaodi plan check` says of the file (its first line and its rules).
    pub description: String,
    pub plan_toml: String,
}

#[derive(Template)]
#[template(path = "pages/plan.html")]
pub struct PlanPage {
    chrome: Chrome,
    name: String,
    doc_no: String,
    issued_on: String,
    report_start_month: String,
    targets: String,
    /// The year whose plan the page shows (this year).
    year: i16,
    rules: Vec<RuleLine>,
    /// 二: each school's pairing this year (bureau and HQ only).
    pairing_year: i16,
    pairing_title: String,
    pairing: Vec<PairingLine>,
    versions: Vec<VersionLine>,
    /// The bureau may load a version.
    may_load: bool,
    form: VersionForm,
    /// The form's error summary (the shared partial reads `summary`).
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    max_kib: usize,
}

pub struct PairingLine {
    pub school: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub label: &'static str,
    pub reason: String,
}

#[derive(Deserialize)]
pub struct PlanQuery {
    pub saved: Option<String>,
}

pub async fn get_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let mut page = plan_page(&state, &user, VersionForm::default()).await?;
    page.saved = saved_notice(q.saved.as_deref());
    Ok(render(&page)?.into_response())
}

/// The plan page: the plan in force this year, its rules with their clauses and words, its
/// versions, and (for the bureau) the form to load a new one in the state `form` gives.
pub async fn plan_page(
    state: &AppState,
    user: &Viewer,
    mut form: VersionForm,
) -> Result<PlanPage, AppError> {
    user.require_business()?;
    let (_, years) = state
        .plans
        .current_years(&state.store)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let year = today.year();
    let plan = years.for_year(year).clone();
    let pairing = if access::sees_programme(user) {
        compliance::school_checks(&state.store, &state.plans, year, today)
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
    let rows = plan_versions::list_versions(&state.store, &state.plans, user).await?;
    let original = years.original();
    let in_force = rows
        .iter()
        .filter(|v| v.from_year <= year)
        .max_by_key(|v| (v.from_year, v.seq))
        .map(|v| v.seq);
    let mut versions = vec![VersionLine {
        label: "原方案".into(),
        doc_no: original.doc_no.clone(),
        from_year: format!("{} 年起", original.group_start.year()),
        loaded: "平台首次启动时载入".into(),
        current: in_force.is_none(),
    }];
    versions.extend(rows.iter().map(|v| VersionLine {
        label: format!("第 {} 版", v.seq),
        doc_no: v.plan.doc_no.clone(),
        from_year: format!("{} 年起", v.from_year),
        loaded: format!(
            "{}，{}",
            crate::clock::format_ms(v.loaded_at),
            v.loaded_by_name
        ),
        current: in_force == Some(v.seq),
    }));
    let t = &plan.targets;
    let summary = form.summary.take();
    Ok(PlanPage {
        pairing_year: year,
        pairing_title: plan.rule_title(RuleId::Pairing),
        pairing,
        chrome: Chrome::new(user, "plan"),
        year,
        rules: RuleId::ALL
            .iter()
            .map(|r| RuleLine {
                id: r.as_str(),
                clause: plan.rule_clause(*r).to_string(),
                title: plan.rule_title(*r),
                wording: plan.rule_wording(*r).to_string(),
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
        versions,
        may_load: user.role == Role::Bureau,
        form,
        summary,
        saved: None,
        max_kib: plan_versions::MAX_PLAN_BYTES / 1024,
    })
}

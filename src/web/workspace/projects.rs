//! 合作项目 (三(一)–(六)): the group's tab (filtered list, totals per area with each outcome figure
//! of the plan, purchased services with their contract totals, the form to record one, xlsx
//! export and import), a project's page (details, figures against its area's fields, progress
//! updates and the form to add one, attachments), the edit and withdraw pages, and the list
//! across every group the user reads.

use super::bases::ConfirmRemovePage;
use super::{AttachmentLine, Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::ids::AttachmentOwner;
use crate::domain::money::{plain_yuan, show_yuan};
use crate::domain::plan::{OutcomeKind, Plan};
use crate::domain::project::{ProjectInput, ProjectStatus, UpdateInput, show_figure};
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::projects as services;
use crate::store::projects::{ProjectFilter, ProjectRow, ProjectTotals, UpdateRow};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::import::read_upload;
use crate::web::multipart::read_multipart;
use crate::web::pages::{
    Chrome, PER_PAGE, Pager, audited_sheet, page_offset, query_string, render,
};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The project form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("项目名称", "title"),
    ("合作领域", "area"),
    ("牵头单位", "lead"),
    ("合作方", "partners"),
    ("开始日期", "starts_on"),
    ("结束日期", "ends_on"),
    ("状态", "status"),
    ("项目简介", "description"),
    ("购买方", "buyer"),
    ("合同金额", "contract"),
];

/// The progress form's fields.
const UPDATE_FIELDS: &[(&str, &str)] = &[
    ("日期", "happened_on"),
    ("进展情况", "summary"),
    ("参与学生", "students"),
    ("成果指标", "figures"),
];

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/projects", ws.group().id)
}

fn project_path(ws: &Workspace, project: &str) -> String {
    format!("/groups/{}/projects/{project}", ws.group().id)
}

#[derive(Deserialize, Default)]
pub struct ProjectForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    partners: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    purchased: Option<String>,
    #[serde(default)]
    buyer: String,
    #[serde(default)]
    contract: String,
}

impl ProjectForm {
    fn input(&self) -> ProjectInput {
        ProjectInput {
            title: self.title.clone(),
            area: self.area.clone(),
            lead: self.lead.clone(),
            partners: self.partners.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            status: self.status.clone(),
            description: self.description.clone(),
            purchased: self.purchased.is_some(),
            buyer: self.buyer.clone(),
            contract: self.contract.clone(),
        }
    }

    fn of(p: &ProjectRow) -> Self {
        Self {
            title: p.title.clone(),
            area: p.area.to_string(),
            lead: p.lead_org_id.to_string(),
            partners: p.partners.clone(),
            starts_on: p.starts_on.to_string(),
            ends_on: p.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            status: p.status.as_str().into(),
            description: p.description.clone(),
            purchased: p.purchased.then(|| "1".to_string()),
            buyer: p
                .buyer_org_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            contract: p.contract_fen.map(plain_yuan).unwrap_or_default(),
        }
    }
}

/// The project form's selects, with what was typed selected.
pub struct FormChoices {
    pub areas: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub leads: Vec<Choice>,
    pub buyers: Vec<Choice>,
}

fn area_choices(plan: &Plan, selected: &str) -> Vec<Choice> {
    plan.areas
        .iter()
        .map(|a| Choice {
            value: a.number.to_string(),
            label: format!("{} {}", a.number, a.name),
            selected: a.number.to_string() == selected,
        })
        .collect()
}

fn status_choices(selected: &str) -> Vec<Choice> {
    ProjectStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label().into(),
            selected: s.as_str() == selected,
        })
        .collect()
}

impl FormChoices {
    fn new(ws: &Workspace, form: &ProjectForm) -> Self {
        let mut members: Vec<(String, String, bool)> = Vec::new();
        for m in &ws.group().members {
            if !members.iter().any(|(id, _, _)| id == m.org_id.as_str()) {
                let place = matches!(
                    m.role,
                    crate::domain::org::MemberRole::Town | crate::domain::org::MemberRole::Village
                );
                members.push((
                    m.org_id.to_string(),
                    m.name_in(&ws.group().lead_town),
                    place,
                ));
            }
        }
        let choices = |selected: &str, places_only: bool| {
            members
                .iter()
                .filter(|(_, _, place)| !places_only || *place)
                .map(|(id, name, _)| Choice {
                    selected: id == selected,
                    value: id.clone(),
                    label: name.clone(),
                })
                .collect()
        };
        Self {
            areas: area_choices(&ws.plan, &form.area),
            statuses: status_choices(&form.status),
            leads: choices(&form.lead, false),
            buyers: choices(&form.buyer, true),
        }
    }
}

/// One figure with its amount, as a page shows it ("培训人数 40 人").
pub struct FigureLine {
    pub label: String,
    pub value: String,
    pub unit: String,
}

fn figure_lines(plan: &Plan, area: u8, amount: &dyn Fn(&str) -> i64) -> Vec<FigureLine> {
    plan.area(i64::from(area))
        .map(|a| {
            a.outcomes
                .iter()
                .map(|f| FigureLine {
                    label: f.label.clone(),
                    value: match f.kind {
                        OutcomeKind::Count => amount(&f.code).to_string(),
                        OutcomeKind::Money => show_yuan(amount(&f.code))
                            .trim_end_matches(" 元")
                            .to_string(),
                    },
                    unit: f.unit.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A project as the lists show it.
pub struct ProjectLine {
    pub id: String,
    pub group_id: String,
    pub group_number: i64,
    pub title: String,
    pub area: String,
    pub lead: String,
    pub dates: String,
    pub status: &'static str,
    pub purchase: String,
    pub students: i64,
    pub figures: Vec<FigureLine>,
    pub backfilled: bool,
}

fn line(plan: &Plan, p: &ProjectRow) -> ProjectLine {
    ProjectLine {
        id: p.id.to_string(),
        group_id: p.group_id.to_string(),
        group_number: p.group_number,
        title: p.title.clone(),
        backfilled: p.backfilled,
        area: services::area_text(plan, p.area),
        lead: p.lead_name.clone(),
        dates: match p.ends_on {
            Some(e) => format!("{} 至 {e}", p.starts_on),
            None => format!("{} 起", p.starts_on),
        },
        status: p.status.label(),
        purchase: match (&p.buyer_name, p.contract_fen) {
            (Some(b), Some(f)) if p.purchased => format!("{b} 购买，合同 {}", show_yuan(f)),
            _ => String::new(),
        },
        students: p.students,
        figures: figure_lines(plan, p.area, &|c| p.figures.get(c).copied().unwrap_or(0)),
    }
}

/// One area's row of the totals.
pub struct AreaLine {
    pub number: u8,
    pub name: String,
    pub projects: i64,
    pub figures: Vec<FigureLine>,
}

pub struct BuyerLine {
    pub name: String,
    pub projects: i64,
    pub contract: String,
}

pub struct TotalsView {
    pub areas: Vec<AreaLine>,
    pub buyers: Vec<BuyerLine>,
    pub purchased_projects: i64,
    pub purchased_contract: String,
}

fn totals_view(plan: &Plan, t: &ProjectTotals) -> TotalsView {
    TotalsView {
        areas: plan
            .areas
            .iter()
            .map(|a| {
                let found = t.by_area.iter().find(|x| x.area == a.number);
                AreaLine {
                    number: a.number,
                    name: a.name.clone(),
                    projects: found.map_or(0, |x| x.projects),
                    figures: figure_lines(plan, a.number, &|c| {
                        found.and_then(|x| x.figures.get(c).copied()).unwrap_or(0)
                    }),
                }
            })
            .collect(),
        buyers: t
            .purchases
            .iter()
            .map(|b| BuyerLine {
                name: b.buyer_name.clone(),
                projects: b.projects,
                contract: show_yuan(b.contract_fen),
            })
            .collect(),
        purchased_projects: t.purchased_projects,
        purchased_contract: show_yuan(t.purchased_fen),
    }
}

#[derive(Deserialize, Default)]
pub struct ProjectQuery {
    area: Option<String>,
    status: Option<String>,
    year: Option<String>,
    group: Option<String>,
    page: Option<String>,
    saved: Option<String>,
    imported: Option<String>,
}

impl ProjectQuery {
    fn filter(&self, plan: &Plan, with_group: bool) -> Result<ProjectFilter, AppError> {
        Ok(services::parse_filter(
            plan,
            self.area.as_deref(),
            self.status.as_deref(),
            self.year.as_deref(),
            if with_group {
                self.group.as_deref()
            } else {
                None
            },
        )?)
    }

    fn filters(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("area", self.area.as_deref()),
            ("status", self.status.as_deref()),
            ("year", self.year.as_deref()),
        ]
    }
}

#[derive(Template)]
#[template(path = "pages/projects.html")]
struct ProjectsPage {
    chrome: Chrome,
    head: GroupHead,
    can_record: bool,
    projects: Vec<ProjectLine>,
    totals: TotalsView,
    pager: Pager,
    export_query: String,
    filter_year: String,
    filter_areas: Vec<Choice>,
    filter_statuses: Vec<Choice>,
    form: ProjectForm,
    choices: FormChoices,
    summary: Option<ErrorSummary>,
    import_summary: Option<ErrorSummary>,
    imported: Option<usize>,
    saved: Option<&'static str>,
    figure_headings: String,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    q: &ProjectQuery,
    form: ProjectForm,
    summary: Option<ErrorSummary>,
    import_summary: Option<ErrorSummary>,
) -> Result<ProjectsPage, AppError> {
    let filter = q.filter(&ws.plan, false)?;
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total) =
        services::list_projects(&state.store, ws, &filter, Some((PER_PAGE, offset))).await?;
    let totals = services::project_totals(&state.store, ws, &filter).await?;
    Ok(ProjectsPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("projects"),
        can_record: services::may_record(user, ws),
        projects: rows.iter().map(|p| line(&ws.plan, p)).collect(),
        totals: totals_view(&ws.plan, &totals),
        pager: Pager::new(&list_path(ws), &q.filters(), page_no, total),
        export_query: query_string(&q.filters()),
        filter_year: q.year.clone().unwrap_or_default(),
        filter_areas: area_choices(&ws.plan, q.area.as_deref().unwrap_or("")),
        filter_statuses: status_choices(q.status.as_deref().unwrap_or("")),
        choices: FormChoices::new(ws, &form),
        form,
        summary,
        import_summary,
        imported: q
            .imported
            .as_deref()
            .and_then(|n| n.parse().ok())
            .filter(|_| q.saved.as_deref() == Some("projects_imported")),
        saved: saved_notice(q.saved.as_deref()),
        figure_headings: services::plan_figures(&ws.plan)
            .into_iter()
            .map(services::figure_heading)
            .collect::<Vec<_>>()
            .join("、"),
    })
}

pub async fn list_projects(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ProjectQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let page = page(&state, &user, &ws, &q, ProjectForm::default(), None, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_project(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<ProjectForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_project(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(p) => Ok(saved_redirect(
            &project_path(&ws, p.as_str()),
            "project_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = page(
                &state,
                &user,
                &ws,
                &ProjectQuery::default(),
                f.form,
                Some(summary),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_projects(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ProjectQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let filter = q.filter(&ws.plan, false)?;
    let (rows, _) = services::list_projects(&state.store, &ws, &filter, None).await?;
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|p| services::sheet_row(&ws.plan, p))
        .collect();
    let file = format!("第{}组合作项目.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_sheet(
        &state,
        &user,
        "project",
        Some(&group),
        &file,
        "合作项目",
        &services::sheet_headers(&ws.plan),
        &rows,
    )
    .await
}

pub async fn import_projects(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    if !services::may_record(&user, &ws) {
        return Err(AppError::Forbidden);
    }
    let bytes = read_upload(multipart, &user.csrf_token, "合作项目表").await?;
    let w = writer(&state, &user);
    let result = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(vec![format!("合作项目表：{e}")]),
        Ok(rows) => match services::import_projects(&w, &ws, &rows).await {
            Ok(n) => Ok(n),
            Err(ServiceError::Rows(errors)) => Err(errors.iter().map(|e| e.to_string()).collect()),
            Err(e) => return Err(e.into()),
        },
    };
    match result {
        Ok(n) => Ok(Redirect::to(&format!(
            "{}?saved=projects_imported&imported={n}#saved",
            list_path(&ws)
        ))
        .into_response()),
        Err(lines) => {
            let page = page(
                &state,
                &user,
                &ws,
                &ProjectQuery::default(),
                ProjectForm::default(),
                None,
                Some(ErrorSummary::rows(lines)),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---- One project. ----

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    happened_on: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    students: String,
    #[serde(default)]
    figure_code: Vec<String>,
    #[serde(default)]
    figure_value: Vec<String>,
}

impl UpdateForm {
    fn input(&self) -> UpdateInput {
        UpdateInput {
            happened_on: self.happened_on.clone(),
            summary: self.summary.clone(),
            students: self.students.clone(),
            figures: self
                .figure_code
                .iter()
                .cloned()
                .zip(self.figure_value.iter().cloned())
                .collect(),
        }
    }

    fn of(plan: &Plan, area: u8, u: &UpdateRow) -> Self {
        let amounts: BTreeMap<&str, i64> =
            u.figures.iter().map(|(c, a)| (c.as_str(), *a)).collect();
        let fields = plan
            .area(i64::from(area))
            .map(|a| a.outcomes.clone())
            .unwrap_or_default();
        Self {
            happened_on: u.happened_on.to_string(),
            summary: u.summary.clone(),
            students: u.students.to_string(),
            figure_code: fields.iter().map(|f| f.code.clone()).collect(),
            figure_value: fields
                .iter()
                .map(|f| {
                    amounts
                        .get(f.code.as_str())
                        .map(|a| show_figure(f.kind, *a))
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    fn value_of(&self, code: &str) -> String {
        self.figure_code
            .iter()
            .position(|c| c == code)
            .and_then(|i| self.figure_value.get(i).cloned())
            .unwrap_or_default()
    }
}

/// One figure input of the progress form.
pub struct FigureField {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub money: bool,
    pub value: String,
}

fn figure_fields(plan: &Plan, area: u8, form: &UpdateForm) -> Vec<FigureField> {
    plan.area(i64::from(area))
        .map(|a| {
            a.outcomes
                .iter()
                .map(|f| FigureField {
                    code: f.code.clone(),
                    label: f.label.clone(),
                    unit: f.unit.clone(),
                    money: f.kind == OutcomeKind::Money,
                    value: form.value_of(&f.code),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub struct UpdateLine {
    pub id: String,
    pub happened_on: String,
    pub summary: String,
    pub students: i64,
    pub figures: String,
}

fn update_line(plan: &Plan, area: u8, u: &UpdateRow) -> UpdateLine {
    let amounts: BTreeMap<&str, i64> = u.figures.iter().map(|(c, a)| (c.as_str(), *a)).collect();
    UpdateLine {
        id: u.id.to_string(),
        happened_on: u.happened_on.to_string(),
        summary: u.summary.clone(),
        students: u.students,
        figures: figure_lines(plan, area, &|c| amounts.get(c).copied().unwrap_or(0))
            .into_iter()
            .zip(
                plan.area(i64::from(area))
                    .map(|a| a.outcomes.clone())
                    .unwrap_or_default(),
            )
            .filter(|(_, f)| amounts.contains_key(f.code.as_str()))
            .map(|(l, _)| format!("{} {} {}", l.label, l.value, l.unit))
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// A project's details as its page shows them.
pub struct ProjectView {
    pub line: ProjectLine,
    pub partners: String,
    pub description: String,
    pub updates: i64,
}

#[derive(Template)]
#[template(path = "pages/project.html")]
struct ProjectPage {
    chrome: Chrome,
    head: GroupHead,
    can_record: bool,
    project: ProjectView,
    progress: Vec<UpdateLine>,
    files: Vec<AttachmentLine>,
    form: UpdateForm,
    fields: Vec<FigureField>,
    summary: Option<ErrorSummary>,
    file_summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    max_mb: u32,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn view(plan: &Plan, p: &ProjectRow) -> ProjectView {
    ProjectView {
        line: line(plan, p),
        partners: p.partners.clone(),
        description: p.description.clone(),
        updates: p.updates,
    }
}

#[allow(clippy::too_many_arguments)]
async fn project_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    p: &ProjectRow,
    form: UpdateForm,
    summary: Option<ErrorSummary>,
    file_summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<ProjectPage, AppError> {
    let progress = services::updates(&state.store, p).await?;
    let files = state
        .store
        .list_attachments(AttachmentOwner::Project, &[p.id.to_string()])
        .await
        .map_err(crate::store::StoreError::from)?;
    Ok(ProjectPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("projects"),
        can_record: services::may_record(user, ws),
        project: view(&ws.plan, p),
        progress: progress
            .iter()
            .map(|u| update_line(&ws.plan, p.area, u))
            .collect(),
        files: files.iter().map(AttachmentLine::from).collect(),
        fields: figure_fields(&ws.plan, p.area, &form),
        form,
        summary,
        file_summary,
        saved,
        max_mb: ws.plan.rules.attachment_max_mb,
    })
}

pub async fn get_project(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = services::project(&state.store, &ws, &project).await?;
    let form = UpdateForm {
        happened_on: ws.today.to_string(),
        ..Default::default()
    };
    let page = project_page(
        &state,
        &user,
        &ws,
        &p,
        form,
        None,
        None,
        saved_notice(q.saved.as_deref()),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_update(
    State(state): State<AppState>,
    Path((id, project)): Path<(String, String)>,
    f: CsrfForm<UpdateForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = services::project(&state.store, &ws, &project).await?;
    match services::add_update(&writer(&state, &user), &ws, &project, &f.form.input()).await {
        Ok(_) => Ok(saved_redirect(
            &project_path(&ws, &project),
            "project_update_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, UPDATE_FIELDS);
            let page =
                project_page(&state, &user, &ws, &p, f.form, Some(summary), None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_files(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = services::project(&state.store, &ws, &project).await?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let files = form.take_files("files");
    let had_files = !files.is_empty();
    match services::add_files(&writer(&state, &user), &ws, &project, files).await {
        Ok(()) => Ok(saved_redirect(
            &project_path(&ws, &project),
            "project_files_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary =
                ErrorSummary::new(&errors, &[("附件", "files")]).with_files_dropped(had_files);
            let form = UpdateForm {
                happened_on: ws.today.to_string(),
                ..Default::default()
            };
            let page =
                project_page(&state, &user, &ws, &p, form, None, Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/project_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    project: ProjectLine,
    form: ProjectForm,
    choices: FormChoices,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

/// The group's project for a user who may change it: 404 for another group's.
async fn for_change(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    project: &str,
) -> Result<ProjectRow, AppError> {
    if !services::may_record(user, ws) {
        return Err(AppError::Forbidden);
    }
    Ok(services::project(&state.store, ws, project).await?)
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    p: &ProjectRow,
    form: ProjectForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::Project, p.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("projects"),
        project: line(&ws.plan, p),
        choices: FormChoices::new(ws, &form),
        form,
        summary,
        history,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = for_change(&state, &user, &ws, &project).await?;
    let page = edit_page(&state, &user, &ws, &p, ProjectForm::of(&p), None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_project(
    State(state): State<AppState>,
    Path((id, project)): Path<(String, String)>,
    f: CsrfForm<ProjectForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = for_change(&state, &user, &ws, &project).await?;
    let w = writer(&state, &user);
    let back = project_path(&ws, &project);
    let summary = match services::update_project(&w, &ws, &project, &f.form.input()).await {
        Ok(true) => return Ok(saved_redirect(&back, "project_updated")),
        Ok(false) => return Ok(saved_redirect(&back, "project_unchanged")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(ServiceError::Store(crate::store::StoreError::Invalid(e))) => {
            ErrorSummary::new(&e.into(), FIELDS)
        }
        Err(e) => return Err(e.into()),
    };
    let page = edit_page(&state, &user, &ws, &p, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

fn project_facts(p: &ProjectLine) -> Vec<(&'static str, String)> {
    vec![
        ("项目名称", p.title.clone()),
        ("合作领域", p.area.clone()),
        ("牵头单位", p.lead.clone()),
        ("起止日期", p.dates.clone()),
        ("状态", p.status.to_string()),
    ]
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = for_change(&state, &user, &ws, &project).await?;
    let notice = if p.updates > 0 {
        format!(
            "该项目已有 {} 条进展记录，不能撤回：误录的请先撤回各条进展记录；项目中止的请在修改中把状态改为“已暂停”。",
            p.updates
        )
    } else {
        "确定撤回这个误录的合作项目？项目及其附件将被删除，撤回记入审计日志。".to_string()
    };
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("projects"),
        title: "撤回误录的合作项目".into(),
        facts: project_facts(&line(&ws.plan, &p)),
        notice,
        action: format!("{}/withdraw", project_path(&ws, &project)),
        button: "确认撤回",
        cancel: project_path(&ws, &project),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn withdraw_project(
    State(state): State<AppState>,
    Path((id, project)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_project(&writer(&state, &user), &ws, &project).await?;
    Ok(saved_redirect(&list_path(&ws), "project_withdrawn"))
}

#[derive(Template)]
#[template(path = "pages/project_update_edit.html")]
struct UpdateEditPage {
    chrome: Chrome,
    head: GroupHead,
    project: ProjectLine,
    update_id: String,
    form: UpdateForm,
    fields: Vec<FigureField>,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn update_edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    p: &ProjectRow,
    u: &UpdateRow,
    form: UpdateForm,
    summary: Option<ErrorSummary>,
) -> Result<UpdateEditPage, AppError> {
    let history =
        record_history(&state.store, ws, RecordKind::ProjectUpdate, u.id.as_str()).await?;
    Ok(UpdateEditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("projects"),
        project: line(&ws.plan, p),
        update_id: u.id.to_string(),
        fields: figure_fields(&ws.plan, p.area, &form),
        form,
        summary,
        history,
    })
}

async fn update_for_change(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    project: &str,
    update: &str,
) -> Result<(ProjectRow, UpdateRow), AppError> {
    if !services::may_record(user, ws) {
        return Err(AppError::Forbidden);
    }
    Ok(services::update(&state.store, ws, project, update).await?)
}

pub async fn update_edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project, update)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let (p, u) = update_for_change(&state, &user, &ws, &project, &update).await?;
    let form = UpdateForm::of(&ws.plan, p.area, &u);
    let page = update_edit_page(&state, &user, &ws, &p, &u, form, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn correct_update(
    State(state): State<AppState>,
    Path((id, project, update)): Path<(String, String, String)>,
    f: CsrfForm<UpdateForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let (p, u) = update_for_change(&state, &user, &ws, &project, &update).await?;
    let w = writer(&state, &user);
    let back = project_path(&ws, &project);
    let summary = match services::correct_update(&w, &ws, &project, &update, &f.form.input()).await
    {
        Ok(true) => return Ok(saved_redirect(&back, "project_update_updated")),
        Ok(false) => return Ok(saved_redirect(&back, "project_unchanged")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, UPDATE_FIELDS),
        Err(e) => return Err(e.into()),
    };
    let page = update_edit_page(&state, &user, &ws, &p, &u, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn update_withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project, update)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let (p, u) = update_for_change(&state, &user, &ws, &project, &update).await?;
    let l = update_line(&ws.plan, p.area, &u);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("projects"),
        title: "撤回误录的项目进展".into(),
        facts: vec![
            ("项目", p.title.clone()),
            ("日期", l.happened_on),
            ("进展情况", l.summary),
            ("参与学生", l.students.to_string()),
            ("成果指标", l.figures),
        ],
        notice: "确定撤回这条误录的进展？它记入的成果指标将从项目合计中减去，撤回记入审计日志。"
            .into(),
        action: format!("{}/updates/{}/withdraw", project_path(&ws, &project), u.id),
        button: "确认撤回",
        cancel: project_path(&ws, &project),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_update(
    State(state): State<AppState>,
    Path((id, project, update)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_update(&writer(&state, &user), &ws, &project, &update).await?;
    Ok(saved_redirect(
        &project_path(&ws, &project),
        "project_update_withdrawn",
    ))
}

pub async fn remove_file_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, project, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let p = for_change(&state, &user, &ws, &project).await?;
    let files = state
        .store
        .list_attachments(AttachmentOwner::Project, &[p.id.to_string()])
        .await
        .map_err(crate::store::StoreError::from)?;
    let f = files
        .iter()
        .find(|f| f.id.as_str() == file)
        .ok_or(AppError::NotFound)?;
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("projects"),
        title: "删除项目附件".into(),
        facts: vec![("项目", p.title.clone()), ("文件", f.file_name.clone())],
        notice: "确定删除这个附件？删除记入审计日志。".into(),
        action: format!("{}/files/{}/remove", project_path(&ws, &project), f.id),
        button: "确认删除",
        cancel: project_path(&ws, &project),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_file(
    State(state): State<AppState>,
    Path((id, project, file)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_file(&writer(&state, &user), &ws, &project, &file).await?;
    Ok(saved_redirect(
        &project_path(&ws, &project),
        "project_file_removed",
    ))
}

// ---- Every group the user reads. ----

#[derive(Template)]
#[template(path = "pages/projects_all.html")]
struct AllProjectsPage {
    chrome: Chrome,
    projects: Vec<ProjectLine>,
    totals: TotalsView,
    pager: Pager,
    export_query: String,
    filter_year: String,
    filter_groups: Vec<Choice>,
    filter_areas: Vec<Choice>,
    filter_statuses: Vec<Choice>,
}

async fn current_plan(state: &AppState) -> Result<std::sync::Arc<Plan>, AppError> {
    Ok(state
        .plans
        .current(&state.store)
        .await
        .map_err(crate::store::StoreError::from)?
        .ok_or(AppError::NotFound)?
        .1)
}

fn all_filters(q: &ProjectQuery) -> Vec<(&'static str, Option<&str>)> {
    let mut f = vec![("group", q.group.as_deref())];
    f.extend(q.filters());
    f
}

pub async fn list_all_projects(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ProjectQuery>,
) -> Result<Response, AppError> {
    crate::services::access::require_business(&user)?;
    let plan = current_plan(&state).await?;
    let filter = q.filter(&plan, true)?;
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total, totals) =
        services::list_all_projects(&state.store, &user, &filter, Some((PER_PAGE, offset))).await?;
    let (groups, _) = state
        .store
        .list_groups(
            &crate::services::access::group_scope(&user),
            &crate::store::GroupFilter {
                q: None,
                limit: 1000,
                offset: 0,
            },
        )
        .await
        .map_err(crate::store::StoreError::from)?;
    let selected = q.group.clone().unwrap_or_default();
    let page = AllProjectsPage {
        chrome: Chrome::new(&user, "projects"),
        projects: rows.iter().map(|p| line(&plan, p)).collect(),
        totals: totals_view(&plan, &totals),
        pager: Pager::new("/projects", &all_filters(&q), page_no, total),
        export_query: query_string(&all_filters(&q)),
        filter_year: q.year.clone().unwrap_or_default(),
        filter_groups: groups
            .iter()
            .map(|g| Choice {
                selected: g.id.as_str() == selected,
                value: g.id.to_string(),
                label: format!("第 {} 组 · {}", g.number, g.lead_town),
            })
            .collect(),
        filter_areas: area_choices(&plan, q.area.as_deref().unwrap_or("")),
        filter_statuses: status_choices(q.status.as_deref().unwrap_or("")),
    };
    Ok(render(&page)?.into_response())
}

pub async fn export_all_projects(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ProjectQuery>,
) -> Result<Response, AppError> {
    crate::services::access::require_business(&user)?;
    let plan = current_plan(&state).await?;
    let filter = q.filter(&plan, true)?;
    let (rows, _, _) = services::list_all_projects(&state.store, &user, &filter, None).await?;
    let mut headers = vec!["结对组".to_string()];
    headers.extend(services::sheet_headers(&plan));
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|p| {
            let mut r = vec![format!("第 {} 组", p.group_number)];
            r.extend(services::sheet_row(&plan, p));
            r
        })
        .collect();
    audited_sheet(
        &state,
        &user,
        "project",
        None,
        "合作项目.xlsx",
        "合作项目",
        &headers,
        &rows,
    )
    .await
}

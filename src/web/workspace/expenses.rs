//! 经费 (四(二)): the group's expenses with their totals per party, kind and year, the form to
//! record one (amounts in yuan, shares only where the parties agreed to share), its edit page
//! with the 修改记录, the withdraw confirmation and the export of the filtered list.

use super::{Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::expense::{EXPENSE_KINDS, ExpenseInput, ShareInput, expense_kind_label};
use crate::domain::money::{Fen, plain_yuan, show_percent, show_yuan};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::expenses as services;
use crate::store::expenses::{ExpenseFilter, ExpenseRow, Sum};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, PER_PAGE, Pager, audited_xlsx, page_offset, query_string, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("日期", "spent_on"),
    ("类别", "kind"),
    ("金额", "amount"),
    ("付款单位", "payer"),
    ("发起单位", "initiator"),
    ("备注", "notes"),
    ("分担比例", "shares"),
    ("所属项目", "project"),
];

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/expenses", ws.group().id)
}

/// The form as typed (and as it is shown again with its errors). Shares come as two lists in
/// the same order: each member organisation's id and the percentage typed for it.
#[derive(Deserialize, Default)]
pub struct ExpenseForm {
    #[serde(default)]
    spent_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    in_kind: Option<String>,
    #[serde(default)]
    initiator: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    share_org: Vec<String>,
    #[serde(default)]
    share_percent: Vec<String>,
    #[serde(default)]
    project: String,
}

impl ExpenseForm {
    fn input(&self) -> ExpenseInput {
        ExpenseInput {
            spent_on: self.spent_on.clone(),
            amount: self.amount.clone(),
            payer: self.payer.clone(),
            kind: self.kind.clone(),
            in_kind: self.in_kind.is_some(),
            initiator: self.initiator.clone(),
            notes: self.notes.clone(),
            project: self.project.clone(),
            shares: self
                .share_org
                .iter()
                .zip(self.share_percent.iter())
                .map(|(org, percent)| ShareInput {
                    org: org.clone(),
                    percent: percent.clone(),
                })
                .collect(),
        }
    }

    fn of(x: &ExpenseRow) -> Self {
        Self {
            spent_on: x.spent_on.to_string(),
            amount: x.amount_fen.map(plain_yuan).unwrap_or_default(),
            payer: x.payer_org_id.to_string(),
            kind: x.kind.clone(),
            in_kind: x.in_kind.then(|| "1".to_string()),
            initiator: x
                .initiator_org_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            notes: x.notes.clone(),
            project: x
                .project_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            share_org: x.shares.iter().map(|s| s.org_id.to_string()).collect(),
            share_percent: x
                .shares
                .iter()
                .map(|s| {
                    show_percent(s.basis_points)
                        .trim_end_matches('%')
                        .to_string()
                })
                .collect(),
        }
    }

    fn percent_of(&self, org: &str) -> String {
        self.share_org
            .iter()
            .position(|o| o == org)
            .and_then(|i| self.share_percent.get(i).cloned())
            .unwrap_or_default()
    }
}

/// One member organisation's row of the shares fieldset.
pub struct ShareField {
    pub org: String,
    pub name: String,
    pub percent: String,
}

/// The form's selects with what was typed selected; nothing pre-chosen on a new form.
pub struct FormChoices {
    pub orgs: Vec<Choice>,
    pub initiators: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub shares: Vec<ShareField>,
    /// The group's cooperation projects (filled by [`FormChoices::with_projects`]).
    pub projects: Vec<Choice>,
}

impl FormChoices {
    fn new(ws: &Workspace, form: &ExpenseForm) -> Self {
        // Every organisation that is or was a member (the date decides; the check says so).
        let mut members: Vec<(String, String)> = Vec::new();
        for m in &ws.group().members {
            if !members.iter().any(|(id, _)| id == m.org_id.as_str()) {
                members.push((m.org_id.to_string(), m.name_in(&ws.group().lead_town)));
            }
        }
        let choices = |selected: &str| {
            members
                .iter()
                .map(|(id, name)| Choice {
                    selected: id == selected,
                    value: id.clone(),
                    label: name.clone(),
                })
                .collect()
        };
        Self {
            orgs: choices(&form.payer),
            initiators: choices(&form.initiator),
            kinds: EXPENSE_KINDS
                .iter()
                .map(|(c, l)| Choice {
                    value: (*c).into(),
                    label: (*l).into(),
                    selected: form.kind == *c,
                })
                .collect(),
            shares: members
                .iter()
                .map(|(id, name)| ShareField {
                    percent: form.percent_of(id),
                    org: id.clone(),
                    name: name.clone(),
                })
                .collect(),
            projects: Vec::new(),
        }
    }

    /// The group's projects to choose from, the form's selected.
    async fn with_projects(
        mut self,
        state: &AppState,
        ws: &Workspace,
        form: &ExpenseForm,
    ) -> Result<Self, AppError> {
        let (rows, _) = crate::services::workspace::projects::list_projects(
            &state.store,
            ws,
            &Default::default(),
            None,
        )
        .await?;
        self.projects = rows
            .iter()
            .map(|p| Choice {
                selected: p.id.as_str() == form.project,
                value: p.id.to_string(),
                label: format!("{}（{}）", p.title, p.starts_on),
            })
            .collect();
        Ok(self)
    }
}

/// An expense as the list and the confirmation show it.
pub struct ExpenseLine {
    pub id: String,
    pub spent_on: String,
    pub amount: String,
    pub kind: &'static str,
    pub in_kind: bool,
    pub payer: String,
    pub initiator: String,
    pub shares: String,
    pub notes: String,
    pub project: String,
    pub backfilled: bool,
}

fn amount_text(x: &ExpenseRow) -> String {
    match x.amount_fen {
        Some(f) => show_yuan(f),
        None => "未估价".to_string(),
    }
}

fn shares_text(x: &ExpenseRow) -> String {
    x.shares
        .iter()
        .map(|s| match s.amount_fen.filter(|_| x.amount_fen.is_some()) {
            Some(f) => format!(
                "{} {}（{}）",
                s.org_name,
                show_percent(s.basis_points),
                show_yuan(f)
            ),
            None => format!("{} {}", s.org_name, show_percent(s.basis_points)),
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn line(x: &ExpenseRow) -> ExpenseLine {
    ExpenseLine {
        id: x.id.to_string(),
        spent_on: x.spent_on.to_string(),
        amount: amount_text(x),
        kind: expense_kind_label(&x.kind),
        in_kind: x.in_kind,
        payer: x.payer_name.clone(),
        initiator: x.initiator_name.clone().unwrap_or_default(),
        shares: shares_text(x),
        notes: x.notes.clone(),
        project: x.project_title.clone().unwrap_or_default(),
        backfilled: x.backfilled,
    }
}

/// One row of a totals table.
pub struct TotalLine {
    pub label: String,
    pub cash: String,
    pub in_kind: String,
    pub count: i64,
}

impl TotalLine {
    fn new(label: impl Into<String>, s: &Sum) -> Self {
        Self {
            label: label.into(),
            cash: show_yuan(s.cash_fen),
            in_kind: show_yuan(s.in_kind_fen),
            count: s.count,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ExpenseQuery {
    year: Option<String>,
    kind: Option<String>,
    payer: Option<String>,
    page: Option<String>,
    saved: Option<String>,
}

impl ExpenseQuery {
    fn filter(&self) -> Result<ExpenseFilter, AppError> {
        Ok(services::parse_filter(
            self.year.as_deref(),
            self.kind.as_deref(),
            self.payer.as_deref(),
        )?)
    }

    fn filters(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("year", self.year.as_deref()),
            ("kind", self.kind.as_deref()),
            ("payer", self.payer.as_deref()),
        ]
    }
}

#[derive(Template)]
#[template(path = "pages/expenses.html")]
struct ExpensesPage {
    chrome: Chrome,
    head: GroupHead,
    can_record: bool,
    expenses: Vec<ExpenseLine>,
    pager: Pager,
    export_query: String,
    filter_year: String,
    filter_kinds: Vec<Choice>,
    filter_payers: Vec<Choice>,
    all: TotalLine,
    by_party: Vec<TotalLine>,
    by_kind: Vec<TotalLine>,
    by_year: Vec<TotalLine>,
    form: ExpenseForm,
    choices: FormChoices,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    q: &ExpenseQuery,
    form: ExpenseForm,
    summary: Option<ErrorSummary>,
) -> Result<ExpensesPage, AppError> {
    let filter = q.filter()?;
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total) =
        services::list_expenses(&state.store, ws, &filter, Some((PER_PAGE, offset))).await?;
    let totals = services::expense_totals(&state.store, ws, &filter).await?;
    let filter_choices = FormChoices::new(
        ws,
        &ExpenseForm {
            payer: q.payer.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            ..Default::default()
        },
    );
    Ok(ExpensesPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("expenses"),
        can_record: services::may_record(user, ws),
        expenses: rows.iter().map(line).collect(),
        pager: Pager::new(&list_path(ws), &q.filters(), page_no, total),
        export_query: query_string(&q.filters()),
        filter_year: q.year.clone().unwrap_or_default(),
        filter_kinds: filter_choices.kinds,
        filter_payers: filter_choices.orgs,
        all: TotalLine::new("合计", &totals.all),
        by_party: totals
            .by_party
            .iter()
            .map(|(_, name, s)| TotalLine::new(name.clone(), s))
            .collect(),
        by_kind: totals
            .by_kind
            .iter()
            .map(|(k, s)| TotalLine::new(expense_kind_label(k), s))
            .collect(),
        by_year: totals
            .by_year
            .iter()
            .map(|(y, s)| TotalLine::new(format!("{y} 年"), s))
            .collect(),
        choices: FormChoices::new(ws, &form)
            .with_projects(state, ws, &form)
            .await?,
        form,
        summary,
        saved: saved_notice(q.saved.as_deref()),
    })
}

pub async fn list_expenses(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ExpenseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let page = page(&state, &user, &ws, &q, ExpenseForm::default(), None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_expense(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<ExpenseForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_expense(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(_) => Ok(saved_redirect(&list_path(&ws), "expense_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = page(
                &state,
                &user,
                &ws,
                &ExpenseQuery::default(),
                f.form,
                Some(summary),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_expenses(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ExpenseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let (rows, _) = services::list_expenses(&state.store, &ws, &q.filter()?, None).await?;
    let table = Table {
        sheet: "经费".into(),
        headers: vec![
            "日期",
            "类别",
            "金额（元）",
            "实物投入",
            "付款单位",
            "发起单位",
            "分担比例",
            "备注",
            "所属项目",
        ],
        rows: rows
            .iter()
            .map(|x| {
                vec![
                    x.spent_on.to_string(),
                    expense_kind_label(&x.kind).to_string(),
                    x.amount_fen
                        .map(|f| Fen::from_db(f).yuan())
                        .unwrap_or_default(),
                    if x.in_kind { "是" } else { "否" }.to_string(),
                    x.payer_name.clone(),
                    x.initiator_name.clone().unwrap_or_default(),
                    shares_text(x),
                    x.notes.clone(),
                    x.project_title.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let file = format!("第{}组经费.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "expense", Some(&group), &file, &table).await
}

#[derive(Template)]
#[template(path = "pages/expense_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    expense: ExpenseLine,
    form: ExpenseForm,
    choices: FormChoices,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    x: &ExpenseRow,
    form: ExpenseForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::Expense, x.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("expenses"),
        expense: line(x),
        choices: FormChoices::new(ws, &form)
            .with_projects(state, ws, &form)
            .await?,
        form,
        summary,
        history,
    })
}

/// The group's expense `expense` for a user who may change it: 404 for another group's.
async fn for_change(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    expense: &str,
) -> Result<ExpenseRow, AppError> {
    if !services::may_record(user, ws) {
        return Err(AppError::Forbidden);
    }
    Ok(services::expense(&state.store, ws, expense).await?)
}

/// The edit form, filled with the expense as recorded, and its 修改记录.
pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, expense)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let x = for_change(&state, &user, &ws, &expense).await?;
    let page = edit_page(&state, &user, &ws, &x, ExpenseForm::of(&x), None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_expense(
    State(state): State<AppState>,
    Path((id, expense)): Path<(String, String)>,
    f: CsrfForm<ExpenseForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let x = for_change(&state, &user, &ws, &expense).await?;
    let w = writer(&state, &user);
    let summary = match services::update_expense(&w, &ws, &expense, &f.form.input()).await {
        Ok(true) => return Ok(saved_redirect(&list_path(&ws), "expense_updated")),
        Ok(false) => return Ok(saved_redirect(&list_path(&ws), "expense_unchanged")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(e) => return Err(e.into()),
    };
    let page = edit_page(&state, &user, &ws, &x, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/expense_withdraw.html")]
struct WithdrawPage {
    chrome: Chrome,
    head: GroupHead,
    expense: ExpenseLine,
}

/// The confirmation page before an expense entered by mistake is deleted.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, expense)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let x = for_change(&state, &user, &ws, &expense).await?;
    let page = WithdrawPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("expenses"),
        expense: line(&x),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn withdraw_expense(
    State(state): State<AppState>,
    Path((id, expense)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_expense(&writer(&state, &user), &ws, &expense).await?;
    Ok(saved_redirect(&list_path(&ws), "expense_withdrawn"))
}

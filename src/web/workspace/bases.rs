//! 乡村建设实践基地 (三(一)): name, place, functions, opened date, description and photos.

use super::{AttachmentLine, Choice, GroupHead, VerdictLine, Workspace};
use crate::AppState;
use crate::domain::ids::AttachmentOwner;
use crate::domain::rules::RuleId;
use crate::exports::Table;
use crate::http::auth::{Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::workspace::bases as services;
use crate::store::bases::{BASE_FUNCTIONS, BaseInput, BaseRow, base_function_label};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, audited_xlsx, non_empty, query_string, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct BaseLine {
    pub name: String,
    pub place: String,
    pub functions: String,
    pub opened_on: String,
    pub description: String,
    pub photos: Vec<AttachmentLine>,
}

#[derive(Default)]
struct Typed {
    name: String,
    place: String,
    functions: Vec<String>,
    opened_on: String,
    description: String,
}

#[derive(Template)]
#[template(path = "pages/bases.html")]
struct BasesPage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    verdict: VerdictLine,
    bases: Vec<BaseLine>,
    filter_places: Vec<Choice>,
    filter_functions: Vec<Choice>,
    export_query: String,
    name: String,
    opened_on: String,
    description: String,
    places: Vec<Choice>,
    functions: Vec<Choice>,
    max_mb: u32,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct BaseQuery {
    place: Option<String>,
    function: Option<String>,
}

impl BaseQuery {
    /// The list's filters, shared by the page and its export.
    fn matches(&self, b: &BaseRow) -> bool {
        non_empty(&self.place).is_none_or(|p| b.place_org_id.as_str() == p)
            && non_empty(&self.function).is_none_or(|f| b.functions.contains(&f))
    }

    fn query(&self) -> String {
        query_string(&[
            ("place", self.place.as_deref()),
            ("function", self.function.as_deref()),
        ])
    }
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    q: &BaseQuery,
    typed: Typed,
    error: Option<String>,
) -> Result<BasesPage, AppError> {
    let rows = state.store.list_bases(&ws.group().id).await?;
    let ids: Vec<String> = rows.iter().map(|b| b.id.to_string()).collect();
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &ids)
        .await?;
    let checks = ws.checks(state, ws.today.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Base)
        .map(|v| VerdictLine::new(&ws.plan, v))
        .ok_or(AppError::NotFound)?;
    let all_places = ws.group().calendar().places_on(ws.today);
    let filter_places = all_places
        .iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name.clone(),
            selected: q.place.as_deref() == Some(id.as_str()),
        })
        .collect();
    let filter_functions = BASE_FUNCTIONS
        .iter()
        .map(|(code, label)| Choice {
            value: (*code).into(),
            label: (*label).into(),
            selected: q.function.as_deref() == Some(*code),
        })
        .collect();
    let bases = rows
        .iter()
        .filter(|b| q.matches(b))
        .map(|b| BaseLine {
            name: b.name.clone(),
            place: b.place_name.clone(),
            functions: b
                .functions
                .iter()
                .map(|f| base_function_label(f))
                .collect::<Vec<_>>()
                .join("、"),
            opened_on: b.opened_on.to_string(),
            description: b.description.clone(),
            photos: photos
                .iter()
                .filter(|p| p.owner_id == b.id.as_str())
                .map(AttachmentLine::from)
                .collect(),
        })
        .collect();
    Ok(BasesPage {
        filter_places,
        filter_functions,
        export_query: q.query(),
        chrome: Chrome::new(user, "groups"),
        head: ws.head("bases"),
        can_edit: ws.can_edit,
        verdict,
        bases,
        places: ws
            .group()
            .calendar()
            .places_on(ws.today)
            .into_iter()
            .map(|(id, name)| Choice {
                selected: typed.place == id.as_str(),
                value: id.to_string(),
                label: name,
            })
            .collect(),
        functions: BASE_FUNCTIONS
            .iter()
            .map(|(code, label)| Choice {
                value: (*code).into(),
                label: (*label).into(),
                selected: typed.functions.iter().any(|f| f == code),
            })
            .collect(),
        name: typed.name,
        opened_on: typed.opened_on,
        description: typed.description,
        max_mb: ws.plan.rules.attachment_max_mb,
        error,
    })
}

pub async fn list_bases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<BaseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(render(&page(&state, &user, &ws, &q, Typed::default(), None).await?)?.into_response())
}

pub async fn add_base(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let typed = Typed {
        name: form.text("name"),
        place: form.text("place"),
        functions: form.all("functions"),
        opened_on: form.text("opened_on"),
        description: form.text("description"),
    };
    let photos = form.take_files("photos");
    let input = BaseInput {
        name: typed.name.clone(),
        place: typed.place.clone(),
        functions: typed.functions.clone(),
        opened_on: typed.opened_on.clone(),
        description: typed.description.clone(),
    };
    match services::add_base(&writer(&state, &user), &ws, &input, photos).await {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{}/bases", ws.group().id)).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            again(&state, &user, &ws, typed, errors.to_string()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn again(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    typed: Typed,
    error: String,
) -> Result<Response, AppError> {
    let page = page(state, user, ws, &BaseQuery::default(), typed, Some(error)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn export_bases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<BaseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let rows: Vec<BaseRow> = state
        .store
        .list_bases(&ws.group().id)
        .await?
        .into_iter()
        .filter(|b| q.matches(b))
        .collect();
    let table = Table {
        sheet: "实践基地".into(),
        headers: vec!["基地名称", "所在地", "功能", "揭牌日期", "简介"],
        rows: rows
            .into_iter()
            .map(|b| {
                let functions = b
                    .functions
                    .iter()
                    .map(|f| base_function_label(f))
                    .collect::<Vec<_>>()
                    .join("、");
                vec![
                    b.name,
                    b.place_name,
                    functions,
                    b.opened_on.to_string(),
                    b.description,
                ]
            })
            .collect(),
    };
    let file = format!("第{}组实践基地.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "practice_base", Some(&group), &file, &table).await
}

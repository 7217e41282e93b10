//! 联席会议 (五(一)): the group's meetings by year against the number the plan asks for, the form
//! to record one, a meeting's page (attendance and each organisation's confirmation, decisions,
//! the earlier decisions to follow up, papers, 修改记录), its edit and withdraw pages, and the
//! export of the list.

use super::bases::ConfirmRemovePage;
use super::{AttachmentLine, Choice, GroupHead, Workspace, parse_year};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::meeting::{DecisionInput, DecisionStatus, MeetingInput, people_from_lines};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::meetings as services;
use crate::store::meetings::{DecisionRow, MeetingRow};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, audited_xlsx, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const FIELDS: &[(&str, &str)] = &[
    ("会议日期", "held_on"),
    ("会议地点", "place"),
    ("参会单位", "orgs"),
    ("参会人员", "people"),
    ("议程", "agenda"),
    ("会议纪要", "minutes"),
    ("会议材料", "papers"),
];

const DECISION_FIELDS: &[(&str, &str)] = &[
    ("决定事项", "d_text"),
    ("关联事项", "d_link"),
    ("责任单位", "d_owner_org"),
    ("责任人", "d_owner_text"),
    ("完成期限", "d_due_on"),
    ("落实情况", "d_status"),
    ("跟进说明", "d_follow_up"),
];

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/meetings", ws.group().id)
}

fn meeting_path(ws: &Workspace, id: &str) -> String {
    format!("/groups/{}/meetings/{id}", ws.group().id)
}

/// The meeting form as typed (and shown again with its errors).
#[derive(Deserialize, Default)]
pub struct MeetingForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    orgs: Vec<String>,
    #[serde(default)]
    people: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    adopts_annual_plan: Option<String>,
}

impl MeetingForm {
    fn input(&self) -> MeetingInput {
        MeetingInput {
            held_on: self.held_on.clone(),
            place: self.place.clone(),
            orgs: self.orgs.clone(),
            people: people_from_lines(&self.people),
            agenda: self.agenda.clone(),
            minutes: self.minutes.clone(),
            adopts_annual_plan: self.adopts_annual_plan.is_some(),
        }
    }

    fn of(m: &MeetingRow) -> Self {
        Self {
            held_on: m.held_on.to_string(),
            place: m.place.clone(),
            orgs: m.attendees.iter().map(|a| a.org_id.to_string()).collect(),
            people: m
                .people
                .iter()
                .map(|p| p.line())
                .collect::<Vec<_>>()
                .join("\n"),
            agenda: m.agenda.clone(),
            minutes: m.minutes.clone(),
            adopts_annual_plan: m.adopts_annual_plan.then(|| "1".to_string()),
        }
    }
}

/// Every organisation that is or was a member of the group, once, with the ones typed ticked.
fn org_choices(ws: &Workspace, selected: &[String]) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    for m in &ws.group().members {
        if out.iter().any(|c| c.value == m.org_id.as_str()) {
            continue;
        }
        out.push(Choice {
            value: m.org_id.to_string(),
            label: m.name_in(&ws.group().lead_town),
            selected: selected.iter().any(|s| s == m.org_id.as_str()),
        });
    }
    out
}

/// A meeting as the list and its page show it.
pub struct MeetingLine {
    pub id: String,
    pub held_on: String,
    pub place: String,
    pub orgs: String,
    pub confirmed: String,
    pub adopts: bool,
    pub decisions: i64,
    pub backfilled: bool,
}

fn line(m: &MeetingRow) -> MeetingLine {
    let confirmed: Vec<&str> = m
        .attendees
        .iter()
        .filter(|a| a.confirmed_at.is_some())
        .map(|a| a.name.as_str())
        .collect();
    MeetingLine {
        id: m.id.to_string(),
        held_on: m.held_on.to_string(),
        place: m.place.clone(),
        orgs: m
            .attendees
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        confirmed: confirmed.join("、"),
        adopts: m.adopts_annual_plan,
        decisions: m.decisions,
        backfilled: m.backfilled,
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    head: GroupHead,
    year: i16,
    required: u32,
    verdict: Option<super::VerdictLine>,
    meetings: Vec<MeetingLine>,
    can_record: bool,
    form: MeetingForm,
    orgs: Vec<Choice>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    year: i16,
    saved: Option<&str>,
    form: MeetingForm,
    summary: Option<ErrorSummary>,
) -> Result<MeetingsPage, AppError> {
    let rows = services::list_meetings(&state.store, ws, Some(year)).await?;
    let checks = ws.checks(state, year).await?;
    let verdict = checks
        .verdicts
        .get(crate::domain::rules::RuleId::Meetings)
        .map(|v| super::VerdictLine::new(&checks.plan, v));
    Ok(MeetingsPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("meetings"),
        year,
        required: ws.plan.rules.meetings_min,
        verdict,
        meetings: rows.iter().map(line).collect(),
        can_record: services::may_record(user, ws),
        orgs: org_choices(ws, &form.orgs),
        form,
        summary,
        saved: saved_notice(saved),
    })
}

pub async fn list_meetings(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let form = MeetingForm {
        held_on: ws.today.to_string(),
        ..Default::default()
    };
    let page = list_page(&state, &user, &ws, year, q.saved.as_deref(), form, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_meeting(&writer(&state, &user), &ws, &f.form.input(), Vec::new()).await {
        Ok(mid) => Ok(saved_redirect(
            &meeting_path(&ws, mid.as_str()),
            "meeting_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let year = f
                .form
                .held_on
                .parse::<jiff::civil::Date>()
                .map_or(ws.today.year(), |d| d.year());
            let page = list_page(&state, &user, &ws, year, None, f.form, Some(summary)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_meetings(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = services::parse_year_filter(q.year.as_deref())?;
    let rows = services::list_meetings(&state.store, &ws, year).await?;
    let mut papers = super::attachment_names(
        &state,
        crate::domain::ids::AttachmentOwner::Meeting,
        rows.iter().map(|m| m.id.to_string()).collect(),
    )
    .await?;
    let table = Table {
        sheet: "联席会议".into(),
        headers: vec![
            "会议日期",
            "会议地点",
            "参会单位",
            "已确认参会",
            "参会人员",
            "议程",
            "会议纪要",
            "审议通过年度计划",
            "决定数",
            "会议材料",
        ],
        rows: rows
            .iter()
            .map(|m| {
                let l = line(m);
                // Named as the pairing table writes them, so the sheet imports back.
                let names = |only_confirmed: bool| {
                    m.attendees
                        .iter()
                        .filter(|a| !only_confirmed || a.confirmed_at.is_some())
                        .map(|a| ws.group().member_name(&a.org_id, &a.name))
                        .collect::<Vec<_>>()
                        .join("、")
                };
                vec![
                    l.held_on,
                    l.place,
                    names(false),
                    names(true),
                    m.people
                        .iter()
                        .map(|p| p.line())
                        .collect::<Vec<_>>()
                        .join("；"),
                    m.agenda.clone(),
                    m.minutes.clone(),
                    if m.adopts_annual_plan { "是" } else { "否" }.to_string(),
                    m.decisions.to_string(),
                    papers.remove(m.id.as_str()).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let file = match year {
        Some(y) => format!("第{}组{y}年联席会议.xlsx", ws.group().number),
        None => format!("第{}组联席会议.xlsx", ws.group().number),
    };
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "meeting", Some(&group), &file, &table).await
}

/// Every decision of the group's meetings as one sheet, each naming its meeting by date and
/// place, so it imports back through the history import's 会议决定 sheet.
pub async fn export_decisions(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    // The meetings the viewer sees (a former member: those of its time), and their decisions.
    let places: std::collections::HashMap<String, String> =
        services::list_meetings(&state.store, &ws, None)
            .await?
            .into_iter()
            .map(|m| (m.id.to_string(), m.place))
            .collect();
    let rows: Vec<_> = state
        .store
        .group_decisions(&ws.group().id)
        .await?
        .into_iter()
        .filter(|d| places.contains_key(d.meeting_id.as_str()))
        .collect();
    let table = Table {
        sheet: "会议决定".into(),
        headers: vec![
            "会议日期",
            "会议地点",
            "决定事项",
            "关联项目",
            "关联计划事项",
            "责任单位",
            "责任人",
            "完成期限",
            "落实情况",
            "跟进说明",
            "跟进会议日期",
        ],
        rows: rows
            .into_iter()
            .map(|d| {
                let owner = match (&d.owner_org_id, &d.owner_name) {
                    (Some(o), Some(n)) => ws.group().member_name(o, n),
                    _ => String::new(),
                };
                vec![
                    d.meeting_held_on.to_string(),
                    places[d.meeting_id.as_str()].clone(),
                    d.text,
                    d.project_title.unwrap_or_default(),
                    d.plan_item_text.unwrap_or_default(),
                    owner,
                    d.owner_text,
                    d.due_on.map(|x| x.to_string()).unwrap_or_default(),
                    d.status.label().to_string(),
                    d.follow_up,
                    d.followed_up_on.map(|x| x.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let file = format!("第{}组会议决定.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(
        &state,
        &user,
        "meeting_decision",
        Some(&group),
        &file,
        &table,
    )
    .await
}

/// A decision as the meeting page shows it.
pub struct DecisionLine {
    pub id: String,
    pub meeting_id: String,
    pub meeting_held_on: String,
    pub text: String,
    pub link: String,
    pub owner: String,
    pub due_on: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub follow_up: String,
    pub followed_up: String,
    pub statuses: Vec<Choice>,
    pub backfilled: bool,
}

fn decision_line(d: &DecisionRow) -> DecisionLine {
    let link = match (&d.project_title, &d.plan_item_text) {
        (Some(p), _) => format!("合作项目：{p}"),
        (None, Some(i)) => format!("年度计划事项：{i}"),
        _ => String::new(),
    };
    let followed_up = match (d.followed_up_on, d.followed_up_at) {
        (Some(on), Some(at)) => format!("{on} 会议跟进（{}）", format_ms(at)),
        (None, Some(at)) => format!("{} 更新", format_ms(at)),
        _ => String::new(),
    };
    DecisionLine {
        id: d.id.to_string(),
        meeting_id: d.meeting_id.to_string(),
        meeting_held_on: d.meeting_held_on.to_string(),
        text: d.text.clone(),
        link,
        owner: d.owner(),
        due_on: d.due_on.map(|x| x.to_string()).unwrap_or_default(),
        status: d.status.label(),
        status_code: d.status.as_str(),
        follow_up: d.follow_up.clone(),
        followed_up,
        backfilled: d.backfilled,
        statuses: DecisionStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: *s == d.status,
            })
            .collect(),
    }
}

/// An attending organisation and its confirmation.
pub struct AttendeeLine {
    pub name: String,
    pub confirmed: String,
}

/// The decision form as typed.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    d_text: String,
    #[serde(default)]
    d_link: String,
    #[serde(default)]
    d_owner_org: String,
    #[serde(default)]
    d_owner_text: String,
    #[serde(default)]
    d_due_on: String,
}

impl DecisionForm {
    fn input(&self) -> DecisionInput {
        let link = self.d_link.trim();
        DecisionInput {
            text: self.d_text.clone(),
            project: link
                .strip_prefix("project:")
                .unwrap_or_default()
                .to_string(),
            plan_item: link.strip_prefix("item:").unwrap_or_default().to_string(),
            owner_org: self.d_owner_org.clone(),
            owner_text: self.d_owner_text.clone(),
            due_on: self.d_due_on.clone(),
            status: String::new(),
            follow_up: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    head: GroupHead,
    meeting: MeetingLine,
    people: Vec<String>,
    agenda: String,
    minutes: String,
    attendees: Vec<AttendeeLine>,
    /// The viewer's organisation is listed: whether it has confirmed.
    can_confirm: bool,
    own_confirmed: bool,
    can_record: bool,
    decisions: Vec<DecisionLine>,
    earlier: Vec<DecisionLine>,
    papers: Vec<AttachmentLine>,
    form: DecisionForm,
    /// The decision being corrected in the form (none: the form records a new one).
    editing: Option<String>,
    links: Vec<Choice>,
    owners: Vec<Choice>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    history: Vec<HistoryEntry>,
}

async fn meeting_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    m: &MeetingRow,
    saved: Option<&str>,
    form: DecisionForm,
    summary: Option<ErrorSummary>,
) -> Result<MeetingPage, AppError> {
    let (own, earlier) = services::decisions_of(&state.store, ws, m).await?;
    let papers = state.store.meeting_papers(&m.id).await?;
    let history = record_history(&state.store, ws, RecordKind::Meeting, m.id.as_str()).await?;
    let can_record = services::may_record(user, ws);
    let mut links = Vec::new();
    if can_record {
        for p in state.store.project_choices(&ws.group().id).await? {
            let value = format!("project:{}", p.id);
            links.push(Choice {
                selected: form.d_link == value,
                label: format!("合作项目：{}", p.title),
                value,
            });
        }
        for i in state.store.plan_item_choices(&ws.group().id).await? {
            let value = format!("item:{}", i.id);
            links.push(Choice {
                selected: form.d_link == value,
                label: format!("{} 年度计划：{}", i.year, i.text),
                value,
            });
        }
    }
    let own_entry = m.attendees.iter().find(|a| a.org_id == user.org_id);
    Ok(MeetingPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("meetings"),
        meeting: line(m),
        people: m.people.iter().map(|p| p.line()).collect(),
        agenda: m.agenda.clone(),
        minutes: m.minutes.clone(),
        attendees: m
            .attendees
            .iter()
            .map(|a| AttendeeLine {
                name: a.name.clone(),
                confirmed: match a.confirmed_at {
                    Some(at) => format!(
                        "已确认（{}，{}）",
                        a.confirmed_by.clone().unwrap_or_default(),
                        format_ms(at)
                    ),
                    None => "待确认".to_string(),
                },
            })
            .collect(),
        can_confirm: services::may_confirm(user, ws, m),
        own_confirmed: own_entry.is_some_and(|a| a.confirmed_at.is_some()),
        can_record,
        decisions: own.iter().map(decision_line).collect(),
        earlier: earlier.iter().map(decision_line).collect(),
        papers: papers.iter().map(AttachmentLine::from).collect(),
        owners: org_choices(ws, std::slice::from_ref(&form.d_owner_org)),
        links,
        form,
        editing: None,
        summary,
        saved: saved_notice(saved),
        history,
    })
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn get_meeting(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    let page = meeting_page(
        &state,
        &user,
        &ws,
        &m,
        q.saved.as_deref(),
        DecisionForm::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_decision(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    match services::add_decision(&writer(&state, &user), &ws, &meeting, &f.form.input()).await {
        Ok(_) => Ok(saved_redirect(
            &meeting_path(&ws, &meeting),
            "decision_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, DECISION_FIELDS);
            let page = meeting_page(&state, &user, &ws, &m, None, f.form, Some(summary)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct FollowUpForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// Records, at meeting `meeting`, the follow-up of an earlier meeting's decision.
pub async fn follow_up(
    State(state): State<AppState>,
    Path((id, meeting, decision)): Path<(String, String, String)>,
    f: CsrfForm<FollowUpForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    let w = writer(&state, &user);
    match services::follow_up_decision(&w, &ws, &meeting, &decision, &f.form.status, &f.form.note)
        .await
    {
        Ok(true) => Ok(saved_redirect(
            &meeting_path(&ws, &meeting),
            "decision_followed_up",
        )),
        Ok(false) => Ok(saved_redirect(
            &meeting_path(&ws, &meeting),
            "decision_unchanged",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, &[]);
            let page = meeting_page(
                &state,
                &user,
                &ws,
                &m,
                None,
                DecisionForm::default(),
                Some(summary),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn confirm_attendance(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::confirm_attendance(&writer(&state, &user), &ws, &meeting, true).await?;
    Ok(saved_redirect(
        &meeting_path(&ws, &meeting),
        "attendance_confirmed",
    ))
}

pub async fn unconfirm_attendance(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::confirm_attendance(&writer(&state, &user), &ws, &meeting, false).await?;
    Ok(saved_redirect(
        &meeting_path(&ws, &meeting),
        "attendance_unconfirmed",
    ))
}

/// Adds papers (minutes scans, sign-in sheets, photos) to a meeting.
pub async fn add_papers(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    if !services::may_record(&user, &ws) {
        return Err(AppError::Forbidden);
    }
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let papers = form.take_files("papers");
    let had = !papers.is_empty();
    match services::add_papers(&writer(&state, &user), &ws, &meeting, papers).await {
        Ok(()) => Ok(saved_redirect(&meeting_path(&ws, &meeting), "papers_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS).with_files_dropped(had);
            let page = meeting_page(
                &state,
                &user,
                &ws,
                &m,
                None,
                DecisionForm::default(),
                Some(summary),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/meeting_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    meeting: MeetingLine,
    form: MeetingForm,
    orgs: Vec<Choice>,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn for_change(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    meeting: &str,
) -> Result<MeetingRow, AppError> {
    let m = services::meeting(&state.store, ws, meeting).await?;
    if !services::may_record(user, ws) {
        return Err(AppError::Forbidden);
    }
    Ok(m)
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    m: &MeetingRow,
    form: MeetingForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::Meeting, m.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("meetings"),
        meeting: line(m),
        orgs: org_choices(ws, &form.orgs),
        form,
        summary,
        history,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = for_change(&state, &user, &ws, &meeting).await?;
    let page = edit_page(&state, &user, &ws, &m, MeetingForm::of(&m), None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_meeting(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    f: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = for_change(&state, &user, &ws, &meeting).await?;
    let w = writer(&state, &user);
    let summary = match services::update_meeting(&w, &ws, &meeting, &f.form.input()).await {
        Ok(true) => {
            return Ok(saved_redirect(
                &meeting_path(&ws, &meeting),
                "meeting_updated",
            ));
        }
        Ok(false) => {
            return Ok(saved_redirect(
                &meeting_path(&ws, &meeting),
                "meeting_unchanged",
            ));
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(e) => return Err(e.into()),
    };
    let page = edit_page(&state, &user, &ws, &m, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = for_change(&state, &user, &ws, &meeting).await?;
    let l = line(&m);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("meetings"),
        title: "撤回误录的联席会议".into(),
        facts: vec![
            ("会议日期", l.held_on),
            ("会议地点", l.place),
            ("参会单位", l.orgs),
            ("会议决定", format!("{} 项", l.decisions)),
        ],
        notice: "确定撤回这次误录的联席会议？会议记录、参会确认、会议决定和会议材料将一并删除，撤回记入审计日志。".into(),
        action: format!("{}/withdraw", meeting_path(&ws, &meeting)),
        button: "确认撤回",
        cancel: meeting_path(&ws, &meeting),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_meeting(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_meeting(&writer(&state, &user), &ws, &meeting).await?;
    Ok(saved_redirect(&list_path(&ws), "meeting_withdrawn"))
}

/// The confirmation page before a paper of the meeting is removed.
pub async fn remove_paper_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = for_change(&state, &user, &ws, &meeting).await?;
    let papers = state.store.meeting_papers(&m.id).await?;
    let f = papers
        .iter()
        .find(|f| f.id.as_str() == file)
        .ok_or(AppError::NotFound)?;
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("meetings"),
        title: "删除会议材料".into(),
        facts: vec![
            ("会议日期", m.held_on.to_string()),
            ("会议地点", m.place.clone()),
            ("文件", f.file_name.clone()),
        ],
        notice: "确定删除这份会议材料？删除记入审计日志。".into(),
        action: format!("{}/papers/{}/remove", meeting_path(&ws, &meeting), f.id),
        button: "确认删除",
        cancel: meeting_path(&ws, &meeting),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_paper(
    State(state): State<AppState>,
    Path((id, meeting, file)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_paper(&writer(&state, &user), &ws, &meeting, &file).await?;
    Ok(saved_redirect(
        &meeting_path(&ws, &meeting),
        "paper_removed",
    ))
}

impl DecisionForm {
    /// The form filled with a recorded decision, to correct it.
    fn of(d: &DecisionRow) -> Self {
        Self {
            d_text: d.text.clone(),
            d_link: match (&d.project_id, &d.plan_item_id) {
                (Some(p), _) => format!("project:{p}"),
                (None, Some(i)) => format!("item:{i}"),
                _ => String::new(),
            },
            d_owner_org: d
                .owner_org_id
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_default(),
            d_owner_text: d.owner_text.clone(),
            d_due_on: d.due_on.map(|x| x.to_string()).unwrap_or_default(),
        }
    }
}

/// One of this meeting's own decisions (another meeting's, or another group's, is not found).
async fn own_decision(
    state: &AppState,
    ws: &Workspace,
    m: &MeetingRow,
    decision: &str,
) -> Result<DecisionRow, AppError> {
    let d = services::decision(&state.store, ws, decision).await?;
    if d.meeting_id != m.id {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

/// The meeting page with its decision form filled with one of its decisions, to correct it.
pub async fn edit_decision_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, meeting, decision)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    let d = own_decision(&state, &ws, &m, &decision).await?;
    if !services::may_record(&user, &ws) {
        return Err(AppError::Forbidden);
    }
    let mut page = meeting_page(&state, &user, &ws, &m, None, DecisionForm::of(&d), None).await?;
    page.editing = Some(d.id.to_string());
    Ok(render(&page)?.into_response())
}

/// Corrects the text, link, owner and due date of one of the meeting's decisions; its status
/// and follow-up stay as recorded (they are changed by the follow-up at a later meeting).
pub async fn update_decision(
    State(state): State<AppState>,
    Path((id, meeting, decision)): Path<(String, String, String)>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::meeting(&state.store, &ws, &meeting).await?;
    let d = own_decision(&state, &ws, &m, &decision).await?;
    let mut input = f.form.input();
    input.status = d.status.as_str().to_string();
    input.follow_up = d.follow_up.clone();
    let at = d.followed_up_in.as_ref().map(|x| x.to_string());
    let w = writer(&state, &user);
    match services::update_decision(&w, &ws, &decision, &input, at.as_deref()).await {
        Ok(changed) => Ok(saved_redirect(
            &meeting_path(&ws, &meeting),
            if changed {
                "decision_corrected"
            } else {
                "decision_same"
            },
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, DECISION_FIELDS);
            let mut page =
                meeting_page(&state, &user, &ws, &m, None, f.form, Some(summary)).await?;
            page.editing = Some(d.id.to_string());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

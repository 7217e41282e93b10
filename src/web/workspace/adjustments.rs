//! 结对调整与时间线 (五(三)): the group's tab lists who was a member when — with the adjustment
//! behind each start and end — and the team's spells, earliest first. HQ fills in an adjustment,
//! sees on a confirmation page what it will end and start (and the new parties' agreement
//! deadline), and only then records it; a mistake is corrected on the adjustment's own page (its
//! decision and date, the memberships moving with the date), never undone. The page
//! is reached from the overview's member list, not a tab: the thirteen tabs fill 1440 px.

use super::{Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::adjustment::{AdjustmentInput, Grounds, NewAdjustment};
use crate::domain::ids::OrgId;
use crate::domain::org::MemberRole;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::adjustments as services;
use crate::services::workspace::agreement::owes_supplementary;
use crate::store::OrgLookup;
use crate::store::adjustments::AdjustmentRow;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("调整依据", "grounds"),
    ("决定机构", "decided_by"),
    ("生效日期", "effective_on"),
    ("调整内容", "end"),
    ("结束的成员关系", "end"),
    ("新增成员单位", "add_village"),
    ("新增成员的角色", "add_village"),
    ("说明", "note"),
];

/// The adjustment form as typed (kept on the confirmation page and when it is shown again).
#[derive(Deserialize, Default, Clone)]
pub struct AdjustmentForm {
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    decided_by: String,
    #[serde(default)]
    effective_on: String,
    /// Membership ids (one checkbox each).
    #[serde(default)]
    end: Vec<String>,
    /// The organisation to add in each role: its name as the pairing table writes it (or id).
    #[serde(default)]
    add_university: String,
    #[serde(default)]
    add_vocational_school: String,
    #[serde(default)]
    add_town: String,
    #[serde(default)]
    add_village: String,
    /// "" decided from what changes, "1" the team is to be reworked, "0" not.
    #[serde(default)]
    team_rework: String,
    #[serde(default)]
    note: String,
}

impl AdjustmentForm {
    fn adds(&self) -> [(MemberRole, &str); 4] {
        [
            (MemberRole::University, self.add_university.as_str()),
            (
                MemberRole::VocationalSchool,
                self.add_vocational_school.as_str(),
            ),
            (MemberRole::Town, self.add_town.as_str()),
            (MemberRole::Village, self.add_village.as_str()),
        ]
    }

    /// The input, with each organisation named found by its id or its name (one not found is
    /// passed on as typed, and the checks name it as unknown).
    async fn input(&self, state: &AppState) -> Result<AdjustmentInput, AppError> {
        let mut add = Vec::new();
        for (role, typed) in self.adds() {
            let typed = typed.trim();
            if typed.is_empty() {
                continue;
            }
            let org = match OrgId::parse(typed) {
                Some(id) => id.to_string(),
                None => match state.store.find_organisation_by_name(typed).await? {
                    OrgLookup::Found(o) => o.id.to_string(),
                    _ => typed.to_string(),
                },
            };
            add.push((org, role.as_str().to_string()));
        }
        Ok(AdjustmentInput {
            grounds: self.grounds.clone(),
            decided_by: self.decided_by.clone(),
            effective_on: self.effective_on.clone(),
            end: self.end.clone(),
            add,
            team_rework: match self.team_rework.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            },
            note: self.note.clone(),
        })
    }

    fn grounds_choices(&self) -> Vec<Choice> {
        Grounds::ALL
            .iter()
            .map(|g| Choice {
                value: g.as_str().into(),
                label: g.label().into(),
                selected: self.grounds == g.as_str(),
            })
            .collect()
    }

    /// Every (name, value) the confirmation page carries on to the write, as hidden inputs.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("grounds", self.grounds.clone()),
            ("decided_by", self.decided_by.clone()),
            ("effective_on", self.effective_on.clone()),
            ("add_university", self.add_university.clone()),
            ("add_vocational_school", self.add_vocational_school.clone()),
            ("add_town", self.add_town.clone()),
            ("add_village", self.add_village.clone()),
            ("team_rework", self.team_rework.clone()),
            ("note", self.note.clone()),
        ];
        v.extend(self.end.iter().map(|e| ("end", e.clone())));
        v
    }
}

/// A membership as a row of the tab's table (and a checkbox of the form while it lasts).
pub struct MembershipLine {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub from: String,
    pub to: String,
    pub open: bool,
    pub started_by: String,
    pub ended_by: String,
    pub checked: bool,
}

pub struct EventLine {
    pub on: String,
    pub kind: &'static str,
    pub who: String,
    pub what: String,
    pub why: String,
}

pub struct AdjustmentLine {
    pub id: String,
    pub effective_on: String,
    pub grounds: &'static str,
    pub decided_by: String,
    pub supplementary_due: String,
    /// The supplementary agreement's page, when the adjustment added parties who owe one.
    pub supplementary_href: String,
    pub team_rework: &'static str,
    pub note: String,
    pub recorded: String,
}

fn why(a: &crate::store::adjustments::AdjustmentRow) -> String {
    format!("{}（{}）", a.grounds.label(), a.decided_by)
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "member_joined" => "加入结对组",
        "member_left" => "退出结对组",
        "team_joined" => "加入服务工作队",
        _ => "离开服务工作队",
    }
}

#[derive(Template)]
#[template(path = "pages/adjustments.html")]
struct AdjustmentsPage {
    chrome: Chrome,
    head: GroupHead,
    memberships: Vec<MembershipLine>,
    events: Vec<EventLine>,
    adjustments: Vec<AdjustmentLine>,
    can_adjust: bool,
    form: AdjustmentForm,
    grounds: Vec<Choice>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn tab(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    form: AdjustmentForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<AdjustmentsPage, AppError> {
    let t = services::timeline(&state.store, ws).await?;
    let memberships = t
        .memberships
        .iter()
        .map(|m| {
            let s = &m.record.spell;
            MembershipLine {
                id: s.id.to_string(),
                name: s.name.clone(),
                role: s.role.label(),
                from: s.from.to_string(),
                to: s.to.map(|d| d.to_string()).unwrap_or_default(),
                open: s.to.is_none(),
                started_by: m.started_by.as_ref().map(why).unwrap_or_default(),
                ended_by: m.ended_by.as_ref().map(why).unwrap_or_default(),
                checked: form.end.contains(&s.id.to_string()),
            }
        })
        .collect();
    let events = t
        .events
        .iter()
        .map(|e| EventLine {
            on: e.on.to_string(),
            kind: event_label(e.kind),
            who: e.who.clone(),
            what: e.what.clone(),
            why: e.adjustment.as_ref().map(why).unwrap_or_default(),
        })
        .collect();
    let adjustments = t
        .adjustments
        .iter()
        .map(|a| AdjustmentLine {
            id: a.id.to_string(),
            effective_on: a.effective_on.to_string(),
            grounds: a.grounds.label(),
            decided_by: a.decided_by.clone(),
            supplementary_due: a
                .supplementary_due
                .map(|d| d.to_string())
                .unwrap_or_default(),
            supplementary_href: if owes_supplementary(a, ws) {
                format!("/groups/{}/agreement/supplementary/{}", ws.group().id, a.id)
            } else {
                String::new()
            },
            team_rework: if a.team_rework {
                "须调整"
            } else {
                "无须调整"
            },
            note: a.note.clone(),
            recorded: format!(
                "{} · {}",
                crate::clock::format_ms(a.created_at),
                a.recorded_by
            ),
        })
        .collect();
    Ok(AdjustmentsPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("adjustments"),
        memberships,
        events,
        adjustments,
        can_adjust: services::may_adjust(user),
        grounds: form.grounds_choices(),
        form,
        summary,
        saved,
    })
}

pub async fn adjustments_tab(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = tab(&state, &user, &ws, AdjustmentForm::default(), None, saved).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "pages/adjustment_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    head: GroupHead,
    facts: Vec<(&'static str, String)>,
    hidden: Vec<(&'static str, String)>,
}

fn confirm_facts(a: &NewAdjustment) -> Vec<(&'static str, String)> {
    let names = |v: Vec<String>| v.join("、");
    vec![
        ("调整依据", a.grounds.label().to_string()),
        ("决定机构", a.decided_by.clone()),
        ("生效日期", a.effective_on.to_string()),
        (
            "结束的成员关系",
            names(
                a.end
                    .iter()
                    .map(|s| format!("{}（{}，自 {}）", s.name, s.role.label(), s.from))
                    .collect(),
            ),
        ),
        (
            "新增成员单位",
            names(
                a.add
                    .iter()
                    .map(|(c, r)| format!("{}（{}）", c.name, r.label()))
                    .collect(),
            ),
        ),
        (
            "补充协议签署期限",
            a.supplementary_due
                .map(|d| format!("{d} 前（新加入单位签署补充协议）"))
                .unwrap_or_default(),
        ),
        (
            "服务工作队",
            if a.team_rework {
                "须调整".into()
            } else {
                "无须调整".into()
            },
        ),
        ("说明", a.note.clone()),
    ]
}

/// Shows the form again with its errors (422).
async fn refused(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    form: AdjustmentForm,
    errors: &crate::domain::FieldErrors,
) -> Result<Response, AppError> {
    let summary = ErrorSummary::new(errors, FIELDS);
    let page = tab(state, user, ws, form, Some(summary), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The confirmation page: what the adjustment will do, nothing recorded yet (HQ only).
pub async fn confirm_adjustment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<AdjustmentForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let input = f.form.input(&state).await?;
    match services::preview_adjustment(&writer(&state, &user), &ws, &input).await {
        Ok(a) => {
            let page = ConfirmPage {
                chrome: Chrome::new(&user, "groups"),
                head: ws.head("adjustments"),
                facts: confirm_facts(&a),
                hidden: f.form.hidden(),
            };
            Ok(render(&page)?.into_response())
        }
        Err(ServiceError::Invalid(errors)) => refused(&state, &user, &ws, f.form, &errors).await,
        Err(e) => Err(e.into()),
    }
}

/// Records the adjustment confirmed (HQ only); back to the tab.
pub async fn add_adjustment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<AdjustmentForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let input = f.form.input(&state).await?;
    match services::record_adjustment(&writer(&state, &user), &ws, &input).await {
        Ok(_) => Ok(saved_redirect(
            &format!("/groups/{}/adjustments", ws.group().id),
            "adjustment_recorded",
        )),
        Err(ServiceError::Invalid(errors)) => refused(&state, &user, &ws, f.form, &errors).await,
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------- a new group

/// The fields of the new group's form as the errors name them, and their inputs.
const GROUP_FIELDS: &[(&str, &str)] = &[
    ("调整依据", "grounds"),
    ("决定机构", "decided_by"),
    ("生效日期", "effective_on"),
    ("牵头镇(街道)", "lead_town"),
    ("成员单位", "universities"),
    ("成员的角色", "universities"),
    ("说明", "note"),
];

/// A new group as typed: organisations by name, several of a kind separated by ；or ;.
#[derive(Deserialize, Default, Clone)]
pub struct NewGroupForm {
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    decided_by: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    lead_town: String,
    #[serde(default)]
    universities: String,
    #[serde(default)]
    vocational_schools: String,
    #[serde(default)]
    villages: String,
    #[serde(default)]
    note: String,
}

impl NewGroupForm {
    /// An organisation by id or name; one not found is passed on as typed (the checks name it).
    async fn org(state: &AppState, typed: &str) -> Result<String, AppError> {
        let typed = typed.trim();
        Ok(match OrgId::parse(typed) {
            Some(id) => id.to_string(),
            None => match state.store.find_organisation_by_name(typed).await? {
                OrgLookup::Found(o) => o.id.to_string(),
                _ => typed.to_string(),
            },
        })
    }

    async fn input(
        &self,
        state: &AppState,
    ) -> Result<crate::domain::adjustment::NewGroupInput, AppError> {
        let mut members = Vec::new();
        for (role, list) in [
            (MemberRole::University, &self.universities),
            (MemberRole::VocationalSchool, &self.vocational_schools),
            (MemberRole::Village, &self.villages),
        ] {
            for name in list
                .split(['；', ';'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                members.push((Self::org(state, name).await?, role.as_str().to_string()));
            }
        }
        Ok(crate::domain::adjustment::NewGroupInput {
            grounds: self.grounds.clone(),
            decided_by: self.decided_by.clone(),
            effective_on: self.effective_on.clone(),
            lead_town: if self.lead_town.trim().is_empty() {
                String::new()
            } else {
                Self::org(state, &self.lead_town).await?
            },
            members,
            note: self.note.clone(),
        })
    }

    fn hidden(&self) -> Vec<(&'static str, String)> {
        vec![
            ("grounds", self.grounds.clone()),
            ("decided_by", self.decided_by.clone()),
            ("effective_on", self.effective_on.clone()),
            ("lead_town", self.lead_town.clone()),
            ("universities", self.universities.clone()),
            ("vocational_schools", self.vocational_schools.clone()),
            ("villages", self.villages.clone()),
            ("note", self.note.clone()),
        ]
    }
}

#[derive(Template)]
#[template(path = "pages/group_new.html")]
struct NewGroupPage {
    chrome: Chrome,
    form: NewGroupForm,
    grounds: Vec<Choice>,
    summary: Option<ErrorSummary>,
}

#[derive(Template)]
#[template(path = "pages/group_new_confirm.html")]
struct NewGroupConfirmPage {
    chrome: Chrome,
    facts: Vec<(&'static str, String)>,
    hidden: Vec<(&'static str, String)>,
}

fn new_group_page(
    user: &Viewer,
    form: NewGroupForm,
    summary: Option<ErrorSummary>,
) -> NewGroupPage {
    let grounds = Grounds::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str().into(),
            label: g.label().into(),
            selected: form.grounds == g.as_str(),
        })
        .collect();
    NewGroupPage {
        chrome: Chrome::new(user, "groups"),
        form,
        grounds,
        summary,
    }
}

/// HQ's form for a new group.
pub async fn new_group_form(WebUser(user): WebUser) -> Result<Response, AppError> {
    crate::services::access::require_adjuster(&user)?;
    Ok(render(&new_group_page(&user, NewGroupForm::default(), None))?.into_response())
}

async fn group_refused(
    user: &Viewer,
    form: NewGroupForm,
    errors: &crate::domain::FieldErrors,
) -> Result<Response, AppError> {
    let page = new_group_page(user, form, Some(ErrorSummary::new(errors, GROUP_FIELDS)));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// What the new group will be, nothing created yet (HQ only).
pub async fn confirm_new_group(
    State(state): State<AppState>,
    f: CsrfForm<NewGroupForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let input = f.form.input(&state).await?;
    match services::preview_group(&writer(&state, &user), state.clock.today(), &input).await {
        Ok(g) => {
            let members = |role: MemberRole| {
                g.members
                    .iter()
                    .filter(|(_, r)| *r == role)
                    .map(|(c, _)| c.name.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let page = NewGroupConfirmPage {
                chrome: Chrome::new(&user, "groups"),
                facts: vec![
                    ("调整依据", g.grounds.label().to_string()),
                    ("决定机构", g.decided_by.clone()),
                    ("生效日期", g.effective_on.to_string()),
                    ("牵头镇(街道)", g.lead_town.name.clone()),
                    ("在莞高校", members(MemberRole::University)),
                    ("中职学校", members(MemberRole::VocationalSchool)),
                    ("村(社区)", members(MemberRole::Village)),
                    ("三方协议签署期限", format!("{} 前", g.agreement_due)),
                    ("说明", g.note.clone()),
                ],
                hidden: f.form.hidden(),
            };
            Ok(render(&page)?.into_response())
        }
        Err(ServiceError::Invalid(errors)) => group_refused(&user, f.form, &errors).await,
        Err(e) => Err(e.into()),
    }
}

/// Creates the new group confirmed (HQ only); on to its page.
pub async fn create_group(
    State(state): State<AppState>,
    f: CsrfForm<NewGroupForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let input = f.form.input(&state).await?;
    match services::create_group(&writer(&state, &user), state.clock.today(), &input).await {
        Ok(id) => Ok(saved_redirect(
            &format!("/groups/{id}/adjustments"),
            "group_created",
        )),
        Err(ServiceError::Invalid(errors)) => group_refused(&user, f.form, &errors).await,
        Err(e) => Err(e.into()),
    }
}

/// A correction of an adjustment as typed.
#[derive(Deserialize, Default, Clone)]
pub struct FixForm {
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    decided_by: String,
    #[serde(default)]
    effective_on: String,
    /// "1" the team is to be reworked, "0" not.
    #[serde(default)]
    team_rework: String,
    #[serde(default)]
    note: String,
}

impl FixForm {
    fn of(a: &AdjustmentRow) -> Self {
        Self {
            grounds: a.grounds.as_str().into(),
            decided_by: a.decided_by.clone(),
            effective_on: a.effective_on.to_string(),
            team_rework: if a.team_rework { "1" } else { "0" }.into(),
            note: a.note.clone(),
        }
    }

    fn input(&self) -> AdjustmentInput {
        AdjustmentInput {
            grounds: self.grounds.clone(),
            decided_by: self.decided_by.clone(),
            effective_on: self.effective_on.clone(),
            team_rework: match self.team_rework.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            },
            note: self.note.clone(),
            ..AdjustmentInput::default()
        }
    }
}

#[derive(Template)]
#[template(path = "pages/adjustment_edit.html")]
struct FixPage {
    chrome: Chrome,
    head: GroupHead,
    id: String,
    effective_on_was: String,
    ended: Vec<String>,
    started: Vec<String>,
    form: FixForm,
    grounds: Vec<Choice>,
    summary: Option<ErrorSummary>,
    history: Vec<crate::services::history::HistoryEntry>,
}

async fn fix_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    a: &AdjustmentRow,
    form: Option<FixForm>,
    summary: Option<ErrorSummary>,
) -> Result<FixPage, AppError> {
    use crate::services::history::{RecordKind, record_history};
    let history = record_history(&state.store, ws, RecordKind::Adjustment, a.id.as_str()).await?;
    let t = services::timeline(&state.store, ws).await?;
    let names = |by: fn(&services::MembershipLine) -> Option<&AdjustmentRow>| {
        t.memberships
            .iter()
            .filter(|m| by(m).is_some_and(|x| x.id == a.id))
            .map(|m| format!("{}（{}）", m.record.spell.name, m.record.spell.role.label()))
            .collect::<Vec<_>>()
    };
    let ended = names(|m| m.ended_by.as_ref());
    let started = names(|m| m.started_by.as_ref());
    let form = form.unwrap_or_else(|| FixForm::of(a));
    let grounds = Grounds::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str().into(),
            label: g.label().into(),
            selected: form.grounds == g.as_str(),
        })
        .collect();
    Ok(FixPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("adjustments"),
        id: a.id.to_string(),
        effective_on_was: a.effective_on.to_string(),
        ended,
        started,
        form,
        grounds,
        summary,
        history,
    })
}

/// HQ's form to correct an adjustment, with its 修改记录.
pub async fn fix_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, adjustment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let a = services::adjustment(&state.store, &ws, &adjustment).await?;
    if !services::may_adjust(&user) {
        return Err(AppError::Forbidden);
    }
    let page = fix_page(&state, &user, &ws, &a, None, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn fix_adjustment(
    State(state): State<AppState>,
    Path((id, adjustment)): Path<(String, String)>,
    f: CsrfForm<FixForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let a = services::adjustment(&state.store, &ws, &adjustment).await?;
    let w = writer(&state, &user);
    let summary = match services::correct_adjustment(&w, &ws, &adjustment, &f.form.input()).await {
        Ok(changed) => {
            let key = if changed {
                "adjustment_corrected"
            } else {
                "adjustment_unchanged"
            };
            return Ok(saved_redirect(
                &format!("/groups/{}/adjustments", ws.group().id),
                key,
            ));
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let page = fix_page(&state, &user, &ws, &a, Some(f.form), Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

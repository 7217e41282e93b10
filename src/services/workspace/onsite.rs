//! 驻镇(含驻村)服务 (四(二)): recording an entry, correcting it, withdrawing one entered by
//! mistake, and the town's or village's confirmation (and its withdrawal).

use super::{OpenedGroup, Writer};
use crate::domain::FieldError;
use crate::domain::ids::{OnsiteEntryId, OrgId, TeamMemberId};
use crate::domain::onsite::{
    NewOnsiteEntry, OnsiteEntryDraft, OnsiteEntryInput, check_content, check_onsite_entry,
    parse_onsite_entry,
};
use crate::domain::org::{MemberRole, PlaceName};
use crate::domain::sheet::{RowError, parse_sheet_date};
use crate::services::access::Viewer;
use crate::services::{ServiceError, access};
use crate::store::adjustments::RecordTable;
use crate::store::onsite::{OnsiteCorrection, OnsiteRow};
use crate::store::team::TeamMemberRow;
use crate::store::{GroupRow, StoreError};
use jiff::civil::Date;

/// The export's columns, which the import reads back.
pub const COLUMNS: [&str; 7] = [
    "开始日期",
    "结束日期",
    "服务地点",
    "在场队员",
    "服务内容",
    "确认情况",
    // Read when present: sheets made before it still import (as 0 students).
    "参与学生",
];

/// Records one on-site entry: the group's schools and the bureau only. Whether the members were
/// on the team on those days, and whether the same service is already recorded, the store checks
/// inside its transaction.
pub async fn add_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &OnsiteEntryInput,
) -> Result<OnsiteEntryId, ServiceError> {
    ws.require_edit()?;
    let entry = parse_onsite_entry(input, &ws.group().calendar(), ws.today)?;
    let mut ids = w
        .store
        .add_onsite_entries(
            &w.actor(),
            w.now_ms,
            &ws.group().id,
            std::slice::from_ref(&entry),
        )
        .await
        .map_err(every_field_error)?;
    ids.pop()
        .ok_or_else(|| ServiceError::Conflict("未能登记该记录".into()))
}

/// The store's refusals of one entry as one error: every field at fault when they are all
/// field errors (each member not on the team then, not only the first), else the first.
fn every_field_error(mut errors: Vec<(usize, StoreError)>) -> ServiceError {
    if errors.len() > 1
        && errors
            .iter()
            .all(|(_, e)| matches!(e, StoreError::Invalid(_)))
    {
        let fields = errors
            .into_iter()
            .filter_map(|(_, e)| match e {
                StoreError::Invalid(f) => Some(f),
                _ => None,
            })
            .collect();
        return ServiceError::Invalid(crate::domain::FieldErrors(fields));
    }
    ServiceError::from(errors.remove(0).1)
}

/// Withdraws an entry entered by mistake: the group's schools and the bureau only; an entry the
/// town or village has confirmed stays (it is their word too), a conflict.
pub async fn withdraw_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    Ok(w.store
        .delete_onsite_entry(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?)
}

/// Corrects an entry entered wrongly (修改): the group's schools and the bureau only, checked as
/// a new entry is (every member not on the team on those days named; the same service as
/// another entry refused). A confirmed entry may be corrected too, and loses its confirmation:
/// the town's or village's word was about the old content (the audit keeps it).
pub async fn correct_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
    input: &OnsiteEntryInput,
) -> Result<OnsiteCorrection, ServiceError> {
    ws.require_edit()?;
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    // Not the group's: 404 before the input is judged (so nothing is learnt of other groups).
    w.store
        .get_onsite_entry(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let corrected = parse_onsite_entry(input, &ws.group().calendar(), ws.today)?;
    w.store
        .update_onsite_entry(&w.actor(), w.now_ms, &ws.group().id, &id, &corrected)
        .await
        .map_err(every_field_error)
}

/// One entry of the group, for its pages; not found when it is not the group's.
pub async fn onsite_entry(
    store: &crate::store::Store,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<OnsiteRow, ServiceError> {
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    let e = store
        .get_onsite_entry(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !ws
        .shows_record(store, RecordTable::Onsite, id.as_str())
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    Ok(e)
}

/// The group's entries over `first..=last` the viewer sees (a former member: those recorded
/// before it left and its own).
pub async fn list_onsite(
    store: &crate::store::Store,
    ws: &OpenedGroup,
    first: jiff::civil::Date,
    last: jiff::civil::Date,
) -> Result<Vec<OnsiteRow>, ServiceError> {
    let rows = store.list_onsite(&ws.group().id, first, last).await?;
    ws.visible_records(store, RecordTable::Onsite, rows, |e| e.id.to_string())
        .await
}

/// Confirms that the service took place, for the town or village users `access` allows; an entry
/// confirmed already is a conflict.
pub async fn confirm_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    let e = onsite_entry(w.store, ws, entry).await?;
    let confirmed = e.confirmed_at.is_some();
    if !access::may_confirm_onsite(w.by, ws.group(), ws.today, &e.place_org_id, confirmed) {
        return Err(if confirmed {
            ServiceError::Conflict("该记录已确认".into())
        } else {
            ServiceError::Forbidden
        });
    }
    Ok(w.store
        .confirm_onsite(&w.actor(), w.now_ms, &ws.group().id, &e.id, &w.by.user_id)
        .await?)
}

/// Whether `viewer` may withdraw the confirmation of `e`: a user of the organisation that
/// confirmed it (for one confirmed before the platform, the place's), who may confirm service at
/// that place (so still a member of the group today). Another village, the school and the bureau
/// may not: the confirmation is the locality's word.
pub fn may_unconfirm(viewer: &Viewer, ws: &OpenedGroup, e: &OnsiteRow) -> bool {
    e.confirmed_at.is_some()
        && e.confirmed_by_org.as_ref().unwrap_or(&e.place_org_id) == &viewer.org_id
        && access::may_confirm_onsite(viewer, ws.group(), ws.today, &e.place_org_id, false)
}

/// Withdraws a confirmation made by mistake (撤销确认): the entry counts as unconfirmed again,
/// and may then be withdrawn or corrected by the school. An entry not confirmed is a conflict.
pub async fn unconfirm_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    let e = onsite_entry(w.store, ws, entry).await?;
    let Some(seen) = e.confirmed_at else {
        return Err(ServiceError::Conflict("该记录尚未确认，无需撤销".into()));
    };
    if !may_unconfirm(w.by, ws, &e) {
        return Err(ServiceError::Forbidden);
    }
    Ok(w.store
        .unconfirm_onsite(&w.actor(), w.now_ms, &ws.group().id, &e.id, seen)
        .await?)
}

/// Sheet rows (in the export's columns) to entries: the rows read whole, and every problem of
/// every row (each cell that could be read is still checked when another cell of its row is bad).
fn parse_onsite_rows(
    rows: &[Vec<String>],
    ws: &OpenedGroup,
    team: &[TeamMemberRow],
) -> (Vec<(usize, NewOnsiteEntry)>, Vec<RowError>) {
    let sheet = match OnsiteSheet::locate(rows) {
        Ok(s) => s,
        Err(errors) => return (Vec::new(), errors),
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (offset, row) in rows.iter().enumerate().skip(sheet.first_data_row()) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match sheet.entry(offset + 1, row, ws.group(), ws.today, team) {
            Ok(e) => out.push((offset + 1, e)),
            Err(found) => errors.extend(found),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError::new(2, "开始日期", "表中没有任何记录"));
    }
    (out, errors)
}

/// Where an on-site sheet's columns are (the export's, the history workbook's 驻点服务 sheet).
pub(crate) struct OnsiteSheet {
    columns: crate::domain::sheet::Columns,
    students_at: Option<usize>,
}

impl OnsiteSheet {
    pub(crate) fn locate(rows: &[Vec<String>]) -> Result<Self, Vec<RowError>> {
        let wanted: Vec<(&str, &str)> = COLUMNS[..5].iter().map(|c| (*c, *c)).collect();
        let columns = crate::domain::sheet::locate_columns(rows, &wanted)?;
        let students_at = rows
            .get(columns.first_data_row.wrapping_sub(1))
            .and_then(|h| h.iter().position(|c| c.trim() == COLUMNS[6]));
        Ok(Self {
            columns,
            students_at,
        })
    }

    pub(crate) fn first_data_row(&self) -> usize {
        self.columns.first_data_row
    }

    /// Sheet row `line` as an entry of `group`, or every problem of the row.
    pub(crate) fn entry(
        &self,
        line: usize,
        row: &[String],
        group: &GroupRow,
        today: Date,
        team: &[TeamMemberRow],
    ) -> Result<NewOnsiteEntry, Vec<RowError>> {
        let columns = &self.columns;
        let mut errors = Vec::new();
        let cell = |i: usize| columns.cell(row, i);
        let mut fail = |e: FieldError| errors.push(RowError::new(line, e.field, e.message));
        let from = parse_sheet_date("开始日期", &cell(0))
            .map_err(&mut fail)
            .ok();
        // An empty end date is a one-day entry, as on the form.
        let to = if cell(1).is_empty() {
            from
        } else {
            parse_sheet_date("结束日期", &cell(1))
                .map_err(&mut fail)
                .ok()
        };
        let place_org_id = find_place(group, from, &cell(2), "服务地点")
            .map_err(&mut fail)
            .ok();
        let mut member_ids = Vec::new();
        for name in cell(3)
            .split(['、', ';', '；', ',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match find_member(team, name, from.zip(to)) {
                Ok(id) => member_ids.push(id),
                Err(e) => fail(e),
            }
        }
        if let (Some(date_from), Some(date_to), Some(place_org_id)) = (from, to, place_org_id) {
            let students_cell = self
                .students_at
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            let students = match crate::domain::project::parse_count("参与学生", &students_cell)
            {
                Ok(n) => n,
                Err(m) => {
                    errors.push(RowError::new(line, COLUMNS[6], m));
                    0
                }
            };
            let draft = OnsiteEntryDraft {
                date_from,
                date_to,
                place_org_id,
                content: cell(4),
                member_ids,
                students,
            };
            match check_onsite_entry(draft, &group.calendar(), today) {
                Ok(e) if errors.is_empty() => return Ok(e),
                Ok(_) => {}
                Err(found) => {
                    for f in found.0 {
                        // A cell already reported is not reported again as what follows from it.
                        if !errors.iter().any(|e| e.column == f.field) {
                            errors.push(RowError::new(line, f.field, f.message));
                        }
                    }
                }
            }
        } else {
            let mut found = crate::domain::FieldErrors::default();
            check_content(&cell(4), &mut found);
            errors.extend(
                found
                    .0
                    .into_iter()
                    .map(|f| RowError::new(line, f.field, f.message)),
            );
        }
        Err(errors)
    }
}

/// The group's town or village a sheet names, as the platform shows it: `南面村`, or
/// `南面村(谢岗镇)` for a village of another town (half- or full-width brackets). On the entry's
/// first day when it is known, else among all the group's places. Errors name `field`.
pub(crate) fn find_place(
    group: &GroupRow,
    on: Option<Date>,
    written: &str,
    field: &'static str,
) -> Result<OrgId, FieldError> {
    if written.is_empty() {
        return Err(FieldError::new(field, "不能为空"));
    }
    find_organisation(group, on, written, true).map_err(|m| FieldError::new(field, m))
}

/// The member organisation a sheet names as the pairing table writes it (`凤岗镇`, `雁田村`,
/// `南面村(谢岗镇)`), a member on `on` when that is known; only a town or village when
/// `places_only`. The error says what may be written instead.
pub(crate) fn find_organisation(
    group: &GroupRow,
    on: Option<Date>,
    written: &str,
    places_only: bool,
) -> Result<OrgId, String> {
    let wanted = PlaceName::parse(written);
    let members: Vec<_> = group
        .members
        .iter()
        .filter(|m| !places_only || matches!(m.role, MemberRole::Town | MemberRole::Village))
        .filter(|m| on.is_none_or(|d| m.active_on(d)))
        .collect();
    // By name (and town, when written), or by a name that itself holds brackets.
    let matches: Vec<_> = members
        .iter()
        .filter(|m| {
            m.name == written.trim()
                || (m.name == wanted.name && (wanted.town.is_none() || m.town == wanted.town))
        })
        .collect();
    match matches.as_slice() {
        [m] => Ok(m.org_id.clone()),
        [] => {
            let names: Vec<String> = members
                .iter()
                .map(|m| m.name_in(&group.lead_town))
                .collect();
            let what = if places_only {
                "的镇(街道)或村(社区)".to_string()
            } else {
                format!(
                    "{}的成员单位",
                    on.map(|d| format!("在 {d} 时")).unwrap_or_default()
                )
            };
            Err(format!(
                "“{written}”不是本组{what}，可填：{}",
                names.join("、")
            ))
        }
        _ => Err(format!("本组有多个“{written}”，请写作 名称(所属镇街)")),
    }
}

/// The team member a sheet names, on the team for the whole entry when its days are known.
fn find_member(
    team: &[TeamMemberRow],
    name: &str,
    days: Option<(Date, Date)>,
) -> Result<TeamMemberId, FieldError> {
    let named: Vec<&TeamMemberRow> = team.iter().filter(|m| m.person_name == name).collect();
    if named.is_empty() {
        return Err(FieldError::new(
            "在场队员",
            format!("服务工作队中没有“{name}”"),
        ));
    }
    let Some((from, to)) = days else {
        // The days are wrong (reported already): whether the name is on the team is all to say.
        return Ok(named[0].id.clone());
    };
    let present: Vec<&&TeamMemberRow> = named
        .iter()
        .filter(|m| m.active_on(from) && m.active_on(to))
        .collect();
    match present.as_slice() {
        [m] => Ok(m.id.clone()),
        [] => Err(FieldError::new(
            "在场队员",
            format!("{name} 在 {from}–{to} 期间不在队中"),
        )),
        _ => Err(FieldError::new(
            "在场队员",
            format!("队中有多名“{name}”，请在页面上逐条登记"),
        )),
    }
}

/// Records the entries of a sheet in the export's columns, all or none: the group's schools and
/// the bureau only. Every problem of every row comes back at once as row errors: those of the
/// cells, and what the records find (a member not on the team then, the same service recorded
/// already). Returns how many entries were recorded.
pub async fn import_onsite_entries(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    rows: &[Vec<String>],
) -> Result<usize, ServiceError> {
    ws.require_edit()?;
    let team = w.store.list_team(&ws.group().id).await?;
    let (parsed, mut errors) = parse_onsite_rows(rows, ws, &team);
    let entries: Vec<NewOnsiteEntry> = parsed.iter().map(|(_, e)| e.clone()).collect();
    let found = if errors.is_empty() {
        match w
            .store
            .add_onsite_entries(&w.actor(), w.now_ms, &ws.group().id, &entries)
            .await
        {
            Ok(ids) => return Ok(ids.len()),
            Err(found) => found,
        }
    } else {
        w.store
            .check_onsite_entries(&ws.group().id, &entries)
            .await
            .map_err(StoreError::from)?
    };
    for (i, e) in found {
        match e {
            StoreError::Invalid(f) => errors.push(RowError::new(parsed[i].0, f.field, f.message)),
            other => return Err(other.into()),
        }
    }
    errors.sort_by_key(|e| e.row);
    Err(ServiceError::Rows(errors))
}

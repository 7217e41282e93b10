//! 驻镇(驻村)服务 (四(二)): recording an entry, withdrawing one entered by mistake, and the
//! town's or village's confirmation.

use super::{OpenedGroup, Writer};
use crate::domain::ids::OnsiteEntryId;
use crate::domain::onsite::{
    NewOnsiteEntry, OnsiteEntryDraft, OnsiteEntryInput, check_onsite_entry, parse_onsite_entry,
};
use crate::domain::parse_date;
use crate::domain::sheet::RowError;
use crate::services::{ServiceError, access};
use crate::store::StoreError;
use crate::store::team::TeamMemberRow;

/// The export's columns, which the import reads back.
pub const COLUMNS: [&str; 6] = [
    "开始日期",
    "结束日期",
    "服务地点",
    "在场队员",
    "服务内容",
    "确认情况",
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
        .map_err(|mut errors| ServiceError::from(errors.remove(0).1))?;
    ids.pop()
        .ok_or_else(|| ServiceError::Conflict("未能登记该记录".into()))
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

/// Confirms that the service took place, for the town or village users `access` allows; an entry
/// confirmed already is a conflict.
pub async fn confirm_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    let (place, confirmed_at) = w
        .store
        .get_onsite_entry(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !access::may_confirm_onsite(w.by, ws.group(), ws.today, &place, confirmed_at.is_some()) {
        return Err(if confirmed_at.is_some() {
            ServiceError::Conflict("该记录已确认".into())
        } else {
            ServiceError::Forbidden
        });
    }
    Ok(w.store
        .confirm_onsite(&w.actor(), w.now_ms, &ws.group().id, &id, &w.by.user_id)
        .await?)
}

/// Sheet rows (in the export's columns) to entries, naming every bad cell.
fn parse_onsite_rows(
    rows: &[Vec<String>],
    ws: &OpenedGroup,
    team: &[TeamMemberRow],
) -> Result<Vec<(usize, NewOnsiteEntry)>, Vec<RowError>> {
    let wanted: Vec<(&str, &str)> = COLUMNS[..5].iter().map(|c| (*c, *c)).collect();
    let columns = crate::domain::sheet::locate_columns(rows, &wanted)?;
    let group = ws.group().calendar();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (offset, row) in rows.iter().enumerate().skip(columns.first_data_row) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = offset + 1;
        let errors_before = errors.len();
        let cell = |i: usize| columns.cell(row, i);
        let from = parse_date("开始日期", &cell(0))
            .map_err(|e| RowError::new(line, "开始日期", e.message));
        let to = parse_date("结束日期", &cell(1))
            .map_err(|e| RowError::new(line, "结束日期", e.message));
        let (from, to) = match (from, to) {
            (Ok(f), Ok(t)) => (f, t),
            (f, t) => {
                errors.extend(f.err());
                errors.extend(t.err());
                continue;
            }
        };
        let place_name = cell(2);
        let places = group.places_on(from);
        let place = places
            .iter()
            .find(|(_, n)| *n == place_name)
            .map(|(id, _)| id.clone());
        let Some(place_org_id) = place else {
            errors.push(RowError::new(
                line,
                "服务地点",
                format!("“{place_name}”不是本组的镇(街道)或村(社区)"),
            ));
            continue;
        };
        let mut member_ids = Vec::new();
        for name in cell(3)
            .split(['、', ';', '；', ',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let matches: Vec<&TeamMemberRow> = team
                .iter()
                .filter(|m| m.person_name == name && m.active_on(from))
                .collect();
            match matches.as_slice() {
                [m] => member_ids.push(m.id.clone()),
                [] => errors.push(RowError::new(
                    line,
                    "在场队员",
                    format!("{from} 时服务工作队中没有“{name}”"),
                )),
                _ => errors.push(RowError::new(
                    line,
                    "在场队员",
                    format!("队中有多名“{name}”，请在页面上逐条登记"),
                )),
            }
        }
        if errors.len() > errors_before {
            continue;
        }
        let draft = OnsiteEntryDraft {
            date_from: from,
            date_to: to,
            place_org_id,
            content: cell(4),
            member_ids,
        };
        match check_onsite_entry(draft, &group, ws.today) {
            Ok(e) => out.push((line, e)),
            Err(errs) => errors.extend(
                errs.0
                    .into_iter()
                    .map(|f| RowError::new(line, f.field, f.message)),
            ),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError::new(2, "开始日期", "表中没有任何记录"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Records the entries of a sheet in the export's columns, all or none: the group's schools and
/// the bureau only; every bad cell (and every entry the store refuses) comes back as a row error.
/// Returns how many entries were recorded.
pub async fn import_onsite_entries(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    rows: &[Vec<String>],
) -> Result<usize, ServiceError> {
    ws.require_edit()?;
    let team = w.store.list_team(&ws.group().id).await?;
    let parsed = parse_onsite_rows(rows, ws, &team).map_err(ServiceError::Rows)?;
    let entries: Vec<NewOnsiteEntry> = parsed.iter().map(|(_, e)| e.clone()).collect();
    match w
        .store
        .add_onsite_entries(&w.actor(), w.now_ms, &ws.group().id, &entries)
        .await
    {
        Ok(ids) => Ok(ids.len()),
        Err(errors) => {
            let mut lines = Vec::new();
            for (i, e) in errors {
                match e {
                    StoreError::Invalid(f) => {
                        lines.push(RowError::new(parsed[i].0, f.field, f.message))
                    }
                    other => return Err(other.into()),
                }
            }
            Err(ServiceError::Rows(lines))
        }
    }
}

//! What the workbench reads beyond the facts of the rules: the on-site entries that wait for a
//! town's or a village's confirmation, for a set of groups at once (one query, not one per group).

use super::Store;
use super::rows::date;
use crate::domain::ids::{GroupId, OnsiteEntryId, OrgId};
use jiff::civil::Date;
use sqlx::Row;

/// An on-site entry not yet confirmed.
#[derive(Debug, Clone)]
pub struct PendingOnsite {
    pub id: OnsiteEntryId,
    pub group_id: GroupId,
    pub date_from: Date,
    pub date_to: Date,
    pub place_org_id: OrgId,
    pub place_name: String,
    pub content: String,
}

impl Store {
    /// The unconfirmed on-site entries of `groups`, oldest first (the caller decides, through
    /// `access::may_confirm_onsite`, which of them the user may confirm).
    pub async fn unconfirmed_onsite(&self, groups: &[GroupId]) -> sqlx::Result<Vec<PendingOnsite>> {
        let mut out = Vec::new();
        for chunk in groups.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "select e.id, e.group_id, e.date_from, e.date_to, e.place_org_id, o.name as place_name, e.content
                 from onsite_entries e join organisations o on o.id = e.place_org_id
                 where e.confirmed_at is null and e.group_id in ({})
                 order by e.date_from, e.date_to, e.id",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(PendingOnsite {
                    id: OnsiteEntryId::from_db(r.try_get("id")?),
                    group_id: GroupId::from_db(r.try_get("group_id")?),
                    date_from: date(&r, "date_from")?,
                    date_to: date(&r, "date_to")?,
                    place_org_id: OrgId::from_db(r.try_get("place_org_id")?),
                    place_name: r.try_get("place_name")?,
                    content: r.try_get("content")?,
                });
            }
        }
        out.sort_by_key(|a| (a.date_from, a.date_to));
        Ok(out)
    }
}

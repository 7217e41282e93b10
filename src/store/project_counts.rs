//! How many cooperation projects (三(一)–(六)) each group runs in a year, per area of the plan:
//! one grouped query for every group, for the charts (projects per area) and the public
//! overview (projects per group). "Running in the year" is the project list's reading: started
//! by 31 December and not ended before 1 January.

use super::Store;
use crate::domain::ids::GroupId;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCount {
    pub group_id: GroupId,
    pub area: u8,
    pub projects: i64,
}

impl Store {
    /// Per group and area, the projects running in `year` (groups and areas without any are
    /// left out).
    pub async fn project_counts(&self, year: i16) -> sqlx::Result<Vec<ProjectCount>> {
        let rows = sqlx::query(
            "select p.group_id, p.area, count(*) as n from projects p
             where p.starts_on <= $1 and (p.ends_on is null or p.ends_on >= $2)
             group by p.group_id, p.area order by p.group_id, p.area",
        )
        .bind(format!("{year:04}-12-31"))
        .bind(format!("{year:04}-01-01"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let area: i64 = r.try_get("area")?;
                Ok(ProjectCount {
                    group_id: GroupId::from_db(r.try_get("group_id")?),
                    area: u8::try_from(area)
                        .map_err(|_| super::rows::decode_err("area", &area.to_string()))?,
                    projects: r.try_get("n")?,
                })
            })
            .collect()
    }
}

//! A group's practice bases (乡村建设实践基地); photos are attachments.

use super::attachments::insert_attachments;
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::groups::GroupRow;
use super::onsite::places_on;
use super::rows::date;
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{BaseId, GroupId, OrgId};
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;

/// 三(一): "开展红色教育、科技创新、文创设计、实习煅练等社会实践".
pub const BASE_FUNCTIONS: [(&str, &str); 5] = [
    ("red_education", "红色教育"),
    ("innovation", "科技创新"),
    ("creative_design", "文创设计"),
    ("internship", "实习锻炼"),
    ("other", "其他"),
];

pub fn base_function_label(code: &str) -> &'static str {
    BASE_FUNCTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

#[derive(Debug, Clone)]
pub struct BaseRow {
    pub id: BaseId,
    pub name: String,
    pub place_org_id: OrgId,
    pub place_name: String,
    pub functions: Vec<String>,
    pub opened_on: Date,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct NewBase {
    pub name: String,
    pub place_org_id: OrgId,
    pub functions: Vec<String>,
    pub opened_on: Date,
    pub description: String,
}

impl Store {
    pub async fn add_base(
        &self,
        actor: &Actor,
        now_ms: i64,
        today: Date,
        group: &GroupRow,
        b: &NewBase,
        photos: &[CheckedFile],
    ) -> Result<BaseId, StoreError> {
        let n = b.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(FieldError::new(
                "基地名称",
                if n == 0 {
                    "不能为空"
                } else {
                    "不能超过 100 个字符"
                },
            )
            .into());
        }
        if !places_on(group, b.opened_on.min(today))
            .iter()
            .any(|(id, _)| id == &b.place_org_id)
        {
            return Err(FieldError::new("所在地", "只能是本组的镇(街道)或本组的村(社区)").into());
        }
        if let Some(bad) = b
            .functions
            .iter()
            .find(|f| !BASE_FUNCTIONS.iter().any(|(c, _)| c == f))
        {
            return Err(FieldError::new("基地功能", format!("“{bad}”不是可选的功能")).into());
        }
        // Each function once, in the plan's order (三(一): 红色教育、科技创新、文创设计、实习锻炼).
        let functions: Vec<String> = BASE_FUNCTIONS
            .iter()
            .filter(|(c, _)| b.functions.iter().any(|f| f == c))
            .map(|(c, _)| c.to_string())
            .collect();
        if functions.is_empty() {
            return Err(FieldError::new("基地功能", "至少选择一项").into());
        }
        if b.opened_on > today {
            return Err(FieldError::new("揭牌日期", format!("{} 晚于今天", b.opened_on)).into());
        }
        if b.description.chars().count() > 2000 {
            return Err(FieldError::new("简介", "不能超过 2000 个字符").into());
        }
        let id = BaseId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into practice_bases (id, group_id, name, place_org_id, functions, opened_on, description, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_str())
        .bind(group.id.as_str())
        .bind(b.name.trim())
        .bind(b.place_org_id.as_str())
        .bind(functions.join(","))
        .bind(b.opened_on.to_string())
        .bind(b.description.trim())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "base.create",
                entity: "practice_base",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.id.as_str(), "name": b.name.trim(), "place_org_id": b.place_org_id.as_str(),
                    "functions": functions, "opened_on": b.opened_on.to_string(),
                })),
            },
        )
        .await?;
        insert_attachments(
            &mut tx,
            actor,
            now_ms,
            &group.id,
            "base",
            id.as_str(),
            photos,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_bases(&self, group: &GroupId) -> sqlx::Result<Vec<BaseRow>> {
        let rows = sqlx::query(
            "select b.id, b.name, b.place_org_id, o.name as place_name, b.functions, b.opened_on, b.description
             from practice_bases b join organisations o on o.id = b.place_org_id
             where b.group_id = $1 order by b.opened_on, b.name",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let functions: String = r.try_get("functions")?;
                Ok(BaseRow {
                    id: BaseId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    place_org_id: OrgId::from_db(r.try_get("place_org_id")?),
                    place_name: r.try_get("place_name")?,
                    functions: functions
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    opened_on: date(r, "opened_on")?,
                    description: r.try_get("description")?,
                })
            })
            .collect()
    }
}

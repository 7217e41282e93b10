//! 结对调整 (五(三)): an adjustment and the memberships it ends and starts, written in one
//! transaction and audited; a group's memberships with the adjustments behind them, for its
//! timeline. Nothing is deleted: an ending sets `effective_to`, an addition inserts a row.

use super::Store;
use super::StoreError;
use super::audit::{self, Actor, AuditEntry};
use super::rows::{date, decode_err, opt_date};
use crate::domain::FieldErrors;
use crate::domain::adjustment::{
    AdjustmentInput, Candidate, Context, Grounds, MembershipSpell, NewAdjustment, NewGroup,
    NewGroupInput, check_adjustment, check_founding_correction, check_new_group,
};
use crate::domain::group::{GroupCalendar, Membership};
use crate::domain::ids::{AdjustmentId, GroupId, MembershipId, OrgId, PlanId, UserId};
use crate::domain::org::{MemberRole, OrgKind};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A membership of a group with the adjustments that started and ended it, if any.
#[derive(Debug, Clone)]
pub struct MembershipRecord {
    pub spell: MembershipSpell,
    pub started_by: Option<AdjustmentId>,
    pub ended_by: Option<AdjustmentId>,
}

/// An adjustment as recorded.
#[derive(Debug, Clone)]
pub struct AdjustmentRow {
    pub id: AdjustmentId,
    pub group_id: GroupId,
    pub grounds: Grounds,
    pub decided_by: String,
    pub effective_on: Date,
    pub supplementary_due: Option<Date>,
    pub team_rework: bool,
    pub note: String,
    pub recorded_by: String,
    pub created_at: i64,
}

fn adjustment_from(r: &AnyRow) -> sqlx::Result<AdjustmentRow> {
    let grounds: String = r.try_get("grounds")?;
    Ok(AdjustmentRow {
        id: AdjustmentId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        grounds: Grounds::parse(&grounds).ok_or_else(|| decode_err("grounds", &grounds))?,
        decided_by: r.try_get("decided_by")?,
        effective_on: date(r, "effective_on")?,
        supplementary_due: opt_date(r, "supplementary_due")?,
        team_rework: r.try_get::<i64, _>("team_rework")? != 0,
        note: r.try_get("note")?,
        recorded_by: r.try_get("recorded_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The group's memberships, by start date then the pairing table's order.
async fn memberships_in(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> sqlx::Result<Vec<MembershipRecord>> {
    let rows = sqlx::query(
        "select m.id, m.org_id, o.name, m.role, m.effective_from, m.effective_to,
                m.started_by_adjustment, m.ended_by_adjustment
         from group_memberships m join organisations o on o.id = m.org_id
         where m.group_id = $1
         order by m.effective_from, m.position, o.name",
    )
    .bind(group.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(MembershipRecord {
                spell: MembershipSpell {
                    id: MembershipId::from_db(r.try_get("id")?),
                    org_id: OrgId::from_db(r.try_get("org_id")?),
                    name: r.try_get("name")?,
                    role: MemberRole::parse(&role)
                        .ok_or_else(|| decode_err("member role", &role))?,
                    from: date(r, "effective_from")?,
                    to: opt_date(r, "effective_to")?,
                },
                started_by: r
                    .try_get::<Option<String>, _>("started_by_adjustment")?
                    .map(AdjustmentId::from_db),
                ended_by: r
                    .try_get::<Option<String>, _>("ended_by_adjustment")?
                    .map(AdjustmentId::from_db),
            })
        })
        .collect()
}

/// The organisations named for addition that exist, with their kinds.
async fn candidates_in(conn: &mut AnyConnection, ids: &[String]) -> sqlx::Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for id in ids {
        let Some(id) = OrgId::parse(id.trim()) else {
            continue;
        };
        let row = sqlx::query("select id, name, kind from organisations where id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = row {
            let kind: String = r.try_get("kind")?;
            out.push(Candidate {
                id: OrgId::from_db(r.try_get("id")?),
                name: r.try_get("name")?,
                kind: OrgKind::parse(&kind)
                    .ok_or_else(|| decode_err("organisation kind", &kind))?,
            });
        }
    }
    Ok(out)
}

/// A group's dates and lead town, as an adjustment's checks read them.
struct GroupStand {
    started_on: Date,
    ended_on: Option<Date>,
    lead_town: OrgId,
}

impl GroupStand {
    fn calendar(&self, spells: &[MembershipSpell]) -> GroupCalendar {
        GroupCalendar {
            started_on: self.started_on,
            ended_on: self.ended_on,
            members: spells
                .iter()
                .map(|s| Membership {
                    org_id: s.org_id.clone(),
                    name: s.name.clone(),
                    role: s.role,
                    from: s.from,
                    to: s.to,
                })
                .collect(),
        }
    }
}

/// Claims the group's row (two adjustments of one group, or an adjustment and its correction,
/// cannot both pass on what the other changes) and reads it with its memberships.
async fn claim_group(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> Result<(GroupStand, Vec<MembershipRecord>), StoreError> {
    let g = sqlx::query(
        "update pairing_groups set ended_on = ended_on where id = $1
         returning started_on, ended_on, lead_town_id",
    )
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let stand = GroupStand {
        started_on: date(&g, "started_on")?,
        ended_on: opt_date(&g, "ended_on")?,
        lead_town: OrgId::from_db(g.try_get("lead_town_id")?),
    };
    Ok((stand, memberships_in(conn, group).await?))
}

/// Who records an adjustment, and the settings its checks take.
pub struct Recorder<'a> {
    pub actor: &'a Actor,
    pub user: &'a UserId,
    pub now_ms: i64,
    pub today: Date,
    /// 四(二): the months within which a new party signs (the plan in force that year).
    pub agreement_months: u32,
}

impl Store {
    /// The group's memberships with the adjustments behind them.
    pub async fn group_memberships(&self, group: &GroupId) -> sqlx::Result<Vec<MembershipRecord>> {
        let mut conn = self.pool.acquire().await?;
        memberships_in(&mut conn, group).await
    }

    /// The group's adjustments, by effective date then as recorded.
    pub async fn list_adjustments(&self, group: &GroupId) -> sqlx::Result<Vec<AdjustmentRow>> {
        let rows = sqlx::query(
            "select a.*, u.display_name as recorded_by_name
             from adjustments a join users u on u.id = a.recorded_by
             where a.group_id = $1 order by a.effective_on, a.created_at, a.id",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(adjustment_from).collect()
    }

    /// Checks the adjustment against the group as it stands inside the write transaction (the
    /// group's row claimed first, so two adjustments of one group cannot both pass on what the
    /// other changes), then records it, ends and starts the memberships, and audits it. The
    /// problems with the input (each naming its field) leave everything as it was; so does
    /// `write: false`, which only checks (for the confirmation page).
    pub async fn record_adjustment(
        &self,
        by: &Recorder<'_>,
        group: &GroupId,
        input: &AdjustmentInput,
        write: bool,
    ) -> Result<Result<(Option<AdjustmentId>, NewAdjustment), FieldErrors>, StoreError> {
        let mut tx = self.begin_write().await?;
        let (g, records) = claim_group(&mut tx, group).await?;
        let spells: Vec<MembershipSpell> = records.iter().map(|r| r.spell.clone()).collect();
        let calendar = g.calendar(&spells);
        let lead_town = g.lead_town.clone();
        let named: Vec<String> = input.add.iter().map(|(o, _)| o.clone()).collect();
        let candidates = candidates_in(&mut tx, &named).await?;
        let checked = check_adjustment(
            input,
            &Context {
                calendar: &calendar,
                lead_town: &lead_town,
                spells: &spells,
                candidates: &candidates,
                today: by.today,
                agreement_months: by.agreement_months,
            },
        );
        let a = match checked {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        if !write {
            // Checked only (the confirmation page): the transaction rolls back, nothing written.
            return Ok(Ok((None, a)));
        }
        let id = AdjustmentId::new();
        sqlx::query(
            "insert into adjustments (id, group_id, grounds, decided_by, effective_on, supplementary_due, team_rework, note, recorded_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(a.grounds.as_str())
        .bind(&a.decided_by)
        .bind(a.effective_on.to_string())
        .bind(a.supplementary_due.map(|d| d.to_string()))
        .bind(i64::from(a.team_rework))
        .bind(&a.note)
        .bind(by.user.as_str())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
        let effective = a.effective_on.to_string();
        for s in &a.end {
            let n = sqlx::query(
                "update group_memberships set effective_to = $1, ended_by_adjustment = $2
                 where id = $3 and group_id = $4 and effective_to is null",
            )
            .bind(&effective)
            .bind(id.as_str())
            .bind(s.id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict(
                    "成员关系刚被修改，请刷新后重试".into(),
                ));
            }
        }
        let mut position: i64 = sqlx::query(
            "select coalesce(max(position), -1) as p from group_memberships where group_id = $1",
        )
        .bind(group.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("p")?;
        let mut started = Vec::new();
        for (org, role) in &a.add {
            position += 1;
            let mid = MembershipId::new();
            sqlx::query(
                "insert into group_memberships (id, group_id, org_id, role, effective_from, effective_to, position, created_at, started_by_adjustment)
                 values ($1, $2, $3, $4, $5, null, $6, $7, $8)",
            )
            .bind(mid.as_str())
            .bind(group.as_str())
            .bind(org.id.as_str())
            .bind(role.as_str())
            .bind(&effective)
            .bind(position)
            .bind(by.now_ms)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
            started.push(json!({
                "membership_id": mid.as_str(), "org_id": org.id.as_str(), "name": org.name, "role": role.as_str(),
            }));
        }
        let ended: Vec<_> = a
            .end
            .iter()
            .map(|s| {
                json!({
                    "membership_id": s.id.as_str(), "org_id": s.org_id.as_str(), "name": s.name,
                    "role": s.role.as_str(), "effective_from": s.from.to_string(),
                })
            })
            .collect();
        audit::append(
            &mut tx,
            by.actor,
            by.now_ms,
            AuditEntry {
                action: "adjustment.create",
                entity: "adjustment",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.as_str(),
                    "grounds": a.grounds.as_str(),
                    "decided_by": a.decided_by,
                    "effective_on": effective,
                    "supplementary_due": a.supplementary_due.map(|d| d.to_string()),
                    "team_rework": a.team_rework,
                    "note": a.note,
                    "ended": ended,
                    "started": started,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok((Some(id), a)))
    }
}

impl Store {
    /// Corrects an adjustment entered with a mistake (HQ): its grounds, deciding body, note,
    /// team rework and effective date; the memberships it ended and started move to the new
    /// date. Checked as the adjustment was, against the group with this adjustment undone; the
    /// date stays when a later adjustment of the group builds on it. Audited with the fields it
    /// changed (the adjustment's 修改记录). Returns whether anything changed.
    pub async fn correct_adjustment(
        &self,
        by: &Recorder<'_>,
        group: &GroupId,
        id: &AdjustmentId,
        fix: &AdjustmentInput,
    ) -> Result<Result<bool, FieldErrors>, StoreError> {
        let mut tx = self.begin_write().await?;
        let (g, records) = claim_group(&mut tx, group).await?;
        let row = sqlx::query(
            "select a.*, u.display_name as recorded_by_name
             from adjustments a join users u on u.id = a.recorded_by
             where a.id = $1 and a.group_id = $2",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let before = adjustment_from(&row)?;
        if before.effective_on == g.started_on {
            // It set up the group: its decision may be corrected, its date is the group's.
            let (grounds, decided_by, note) = match check_founding_correction(fix, g.started_on) {
                Ok(x) => x,
                Err(e) => return Ok(Err(e)),
            };
            let after = NewAdjustment {
                grounds,
                decided_by,
                effective_on: before.effective_on,
                end: Vec::new(),
                add: Vec::new(),
                supplementary_due: before.supplementary_due,
                team_rework: fix.team_rework.unwrap_or(before.team_rework),
                note,
            };
            return write_correction(tx, by, id, &before, &after).await.map(Ok);
        }
        // The group as if this adjustment had not been made: what it ended runs on, what it
        // started is not there; the corrected one is checked against that.
        let undone: Vec<MembershipSpell> = records
            .iter()
            .filter(|r| r.started_by.as_ref() != Some(id))
            .map(|r| {
                let mut s = r.spell.clone();
                if r.ended_by.as_ref() == Some(id) {
                    s.to = None;
                }
                s
            })
            .collect();
        let ended: Vec<String> = records
            .iter()
            .filter(|r| r.ended_by.as_ref() == Some(id))
            .map(|r| r.spell.id.to_string())
            .collect();
        let started: Vec<&MembershipRecord> = records
            .iter()
            .filter(|r| r.started_by.as_ref() == Some(id))
            .collect();
        let input = AdjustmentInput {
            end: ended,
            add: started
                .iter()
                .map(|r| {
                    (
                        r.spell.org_id.to_string(),
                        r.spell.role.as_str().to_string(),
                    )
                })
                .collect(),
            team_rework: fix.team_rework.or(Some(before.team_rework)),
            ..fix.clone()
        };
        let named: Vec<String> = input.add.iter().map(|(o, _)| o.clone()).collect();
        let candidates = candidates_in(&mut tx, &named).await?;
        let checked = check_adjustment(
            &input,
            &Context {
                calendar: &g.calendar(&undone),
                lead_town: &g.lead_town,
                spells: &undone,
                candidates: &candidates,
                today: by.today,
                agreement_months: by.agreement_months,
            },
        );
        let a = match checked {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        if a.effective_on != before.effective_on {
            let later: i64 = sqlx::query(
                "select count(*) as n from adjustments
                 where group_id = $1 and id <> $2 and (effective_on > $3 or created_at > $4)",
            )
            .bind(group.as_str())
            .bind(id.as_str())
            .bind(before.effective_on.to_string())
            .bind(before.created_at)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            // A membership it started that ended since (by a later adjustment) ends after the
            // new date too.
            let overrun = started
                .iter()
                .filter_map(|r| r.spell.to.map(|to| (r, to)))
                .find(|(_, to)| *to <= a.effective_on);
            // A supplementary agreement signed already binds the parties only from the date.
            let signed: Option<String> = sqlx::query_scalar(
                "select min(signed_on) from agreements where adjustment_id = $1",
            )
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?;
            let signed_before = signed
                .and_then(|d| d.parse::<Date>().ok())
                .filter(|d| *d < a.effective_on);
            let mut errors = FieldErrors::default();
            if let Some(d) = signed_before {
                errors.push(
                    "生效日期",
                    format!("补充协议已于 {d} 签署，生效日期不能晚于该日"),
                );
            }
            if later > 0 {
                errors.push(
                    "生效日期",
                    "本组在这次调整之后还有调整，生效日期不能再改；如有误，请以新的调整更正",
                );
            } else if let Some((r, to)) = overrun {
                errors.push(
                    "生效日期",
                    format!(
                        "{} 的成员关系已于 {to} 结束，生效日期应早于该日",
                        r.spell.name
                    ),
                );
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
        }
        write_correction(tx, by, id, &before, &a).await.map(Ok)
    }
}

/// Writes a checked correction of adjustment `id` and its audit entry, moving the memberships it
/// ended and started when the date changed; commits. Whether anything changed.
async fn write_correction(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    by: &Recorder<'_>,
    id: &AdjustmentId,
    before: &AdjustmentRow,
    a: &NewAdjustment,
) -> Result<bool, StoreError> {
    let as_json = |grounds: Grounds,
                   decided_by: &str,
                   on: Date,
                   due: Option<Date>,
                   rework: bool,
                   note: &str| {
        json!({
            "grounds": grounds.as_str(), "decided_by": decided_by, "effective_on": on.to_string(),
            "supplementary_due": due.map(|d| d.to_string()), "team_rework": rework, "note": note,
        })
    };
    let (was, now) = audit::changed_fields(
        &as_json(
            before.grounds,
            &before.decided_by,
            before.effective_on,
            before.supplementary_due,
            before.team_rework,
            &before.note,
        ),
        &as_json(
            a.grounds,
            &a.decided_by,
            a.effective_on,
            a.supplementary_due,
            a.team_rework,
            &a.note,
        ),
    );
    if now.is_empty() {
        return Ok(false);
    }
    sqlx::query(
        "update adjustments set grounds = $1, decided_by = $2, effective_on = $3,
           supplementary_due = $4, team_rework = $5, note = $6
         where id = $7",
    )
    .bind(a.grounds.as_str())
    .bind(&a.decided_by)
    .bind(a.effective_on.to_string())
    .bind(a.supplementary_due.map(|d| d.to_string()))
    .bind(i64::from(a.team_rework))
    .bind(&a.note)
    .bind(id.as_str())
    .execute(&mut *tx)
    .await?;
    if a.effective_on != before.effective_on {
        let on = a.effective_on.to_string();
        sqlx::query(
            "update group_memberships set effective_to = $1 where ended_by_adjustment = $2",
        )
        .bind(&on)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update group_memberships set effective_from = $1 where started_by_adjustment = $2",
        )
        .bind(&on)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        by.actor,
        by.now_ms,
        AuditEntry {
            action: "adjustment.update",
            entity: "adjustment",
            entity_id: Some(id.as_str()),
            before: Some(was.into()),
            after: Some(now.into()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

impl Store {
    /// A new group by an adjustment (HQ): checked inside the write transaction, numbered after the
    /// plan's last group, its lead town and members all from the effective date, each membership
    /// naming the adjustment; audited as the group's creation and as the adjustment.
    pub async fn create_group_by_adjustment(
        &self,
        by: &Recorder<'_>,
        plan: &PlanId,
        plan_start: Date,
        input: &NewGroupInput,
        write: bool,
    ) -> Result<Result<(Option<GroupId>, NewGroup), FieldErrors>, StoreError> {
        let result = self
            .create_group_in(by, plan, plan_start, input, write)
            .await;
        match result {
            Err(StoreError::Db(e))
                if super::violates_unique(
                    &e,
                    "pairing_groups_plan_number_key",
                    "pairing_groups.plan_id, pairing_groups.number",
                ) =>
            {
                Err(StoreError::Conflict(
                    "另一个结对组同时建立，编号已被占用，请重试".into(),
                ))
            }
            other => other,
        }
    }

    async fn create_group_in(
        &self,
        by: &Recorder<'_>,
        plan: &PlanId,
        plan_start: Date,
        input: &NewGroupInput,
        write: bool,
    ) -> Result<Result<(Option<GroupId>, NewGroup), FieldErrors>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut named = vec![input.lead_town.clone()];
        named.extend(input.members.iter().map(|(o, _)| o.clone()));
        let candidates = candidates_in(&mut tx, &named).await?;
        let g = match check_new_group(
            input,
            &candidates,
            plan_start,
            by.today,
            by.agreement_months,
        ) {
            Ok(g) => g,
            Err(e) => return Ok(Err(e)),
        };
        if !write {
            // Checked only (the confirmation page): nothing written.
            return Ok(Ok((None, g)));
        }
        let number: i64 = sqlx::query(
            "select coalesce(max(number), 0) + 1 as n from pairing_groups where plan_id = $1",
        )
        .bind(plan.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let group = GroupId::new();
        let start = g.effective_on.to_string();
        sqlx::query(
            "insert into pairing_groups (id, plan_id, number, lead_town_id, started_on, ended_on, created_at)
             values ($1, $2, $3, $4, $5, null, $6)",
        )
        .bind(group.as_str())
        .bind(plan.as_str())
        .bind(number)
        .bind(g.lead_town.id.as_str())
        .bind(&start)
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
        let id = AdjustmentId::new();
        sqlx::query(
            "insert into adjustments (id, group_id, grounds, decided_by, effective_on, supplementary_due, team_rework, note, recorded_by, created_at)
             values ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(g.grounds.as_str())
        .bind(&g.decided_by)
        .bind(&start)
        .bind(g.agreement_due.to_string())
        .bind(&g.note)
        .bind(by.user.as_str())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
        let all = std::iter::once((&g.lead_town, MemberRole::Town))
            .chain(g.members.iter().map(|(c, r)| (c, *r)));
        let mut members = Vec::new();
        for (position, (org, role)) in all.enumerate() {
            sqlx::query(
                "insert into group_memberships (id, group_id, org_id, role, effective_from, effective_to, position, created_at, started_by_adjustment)
                 values ($1, $2, $3, $4, $5, null, $6, $7, $8)",
            )
            .bind(MembershipId::new().as_str())
            .bind(group.as_str())
            .bind(org.id.as_str())
            .bind(role.as_str())
            .bind(&start)
            .bind(position as i64)
            .bind(by.now_ms)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
            members.push(
                json!({ "org_id": org.id.as_str(), "name": org.name, "role": role.as_str() }),
            );
        }
        audit::append(
            &mut tx,
            by.actor,
            by.now_ms,
            AuditEntry {
                action: "group.create",
                entity: "group",
                entity_id: Some(group.as_str()),
                before: None,
                after: Some(json!({
                    "number": number, "started_on": start, "members": members,
                    "adjustment_id": id.as_str(),
                })),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            by.actor,
            by.now_ms,
            AuditEntry {
                action: "adjustment.create",
                entity: "adjustment",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.as_str(),
                    "grounds": g.grounds.as_str(),
                    "decided_by": g.decided_by,
                    "effective_on": start,
                    "supplementary_due": g.agreement_due.to_string(),
                    "team_rework": true,
                    "note": g.note,
                    "started": members,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok((Some(group), g)))
    }
}

/// What a former member of a group (结对调整) still sees of the group's records: those made before
/// `before_ms` (the day it left) and those a user of `org` made. Lists, their counts and their
/// totals apply it in SQL, so a page holds as many rows as any other and the totals add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenBy {
    pub org: OrgId,
    pub before_ms: i64,
}

impl SeenBy {
    /// The condition on `alias` (a table with `created_at` and `created_by`), its one parameter
    /// the organisation's id (numbered by the caller in place of `?`).
    pub fn condition(&self, alias: &str) -> String {
        format!(
            " and ({alias}.created_at < {} or {alias}.created_by in (select su.id from users su where su.org_id = ?))",
            self.before_ms
        )
    }
}

/// The tables of a group's records that keep who made them (`created_by`) and when
/// (`created_at`), for a former member's view of the group.
#[derive(Debug, Clone, Copy)]
pub enum RecordTable {
    Onsite,
    Expenses,
    Projects,
    Meetings,
}

impl RecordTable {
    fn name(self) -> &'static str {
        match self {
            RecordTable::Onsite => "onsite_entries",
            RecordTable::Expenses => "expenses",
            RecordTable::Projects => "projects",
            RecordTable::Meetings => "meetings",
        }
    }
}

impl Store {
    /// The ids of the group's records in `table` made before `before_ms` or by a user of `org`:
    /// what a former member of the group still sees.
    pub async fn records_made_before_or_by(
        &self,
        table: RecordTable,
        group: &GroupId,
        before_ms: i64,
        org: &OrgId,
    ) -> sqlx::Result<std::collections::HashSet<String>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select t.id from {} t left join users u on u.id = t.created_by
             where t.group_id = $1 and (t.created_at < $2 or u.org_id = $3)",
            table.name()
        )))
        .bind(group.as_str())
        .bind(before_ms)
        .bind(org.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get("id")).collect()
    }
}

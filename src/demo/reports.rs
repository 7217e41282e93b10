//! 五(三) one school's monthly reports for every month from the plan's first report month to the
//! end of the last generated year: most submitted a few days before the due day and accepted,
//! some late (within the days submissions stay open), a few returned and submitted again, some
//! never submitted (a draft left, or not even opened). A school in seven is less careful.

use super::bulk::V;
use super::names::Rng;
use super::records::{Context, checked};
use super::{FIRST_YEAR, Tables, created_ms};
use crate::domain::ids::OrgId;
use crate::domain::monthly::{Timeliness, deadline, months_from, start_of_day_ms, timeliness};
use crate::domain::monthly_report::{ReportInput, parse_comment, parse_report};
use crate::domain::plan::Month;
use jiff::ToSpan;
use std::collections::BTreeMap;

const WORK: &[&str] = &[
    "本月服务队驻镇开展调研走访，梳理产业发展需求。",
    "组织师生开展技能培训和志愿服务。",
    "推进合作项目，完成阶段性成果。",
    "参加联席会议，研究下阶段工作安排。",
];

pub(crate) fn fill_school(
    ctx: &Context,
    plan_id: &str,
    school: &OrgId,
    index: usize,
    t: &mut Tables,
) -> anyhow::Result<()> {
    let mut rng = Rng::derive(ctx.seed, "school", index as u64);
    let careless = rng.chance(140);
    let (missing, late) = if careless { (120, 250) } else { (25, 70) };
    let last = Month {
        year: FIRST_YEAR + ctx.years - 1,
        month: 12,
    };
    for month in months_from(ctx.plan.report_start_month, last) {
        let d = deadline(ctx.plan, month);
        let roll = rng.below(1000) as u32;
        let opened = start_of_day_ms(month.first_day()) + rng.range(8, 20) * 3_600_000;
        let id = rng.uuid();
        if roll < missing / 2 {
            continue; // never opened: no row at all
        }
        let mut narrative = BTreeMap::new();
        for area in &ctx.plan.areas {
            if rng.chance(450) {
                narrative.insert(area.number.to_string(), rng.pick(WORK).to_string());
            }
        }
        let text = checked(
            "月度报告",
            parse_report(
                &ReportInput {
                    narrative,
                    problems: "驻点交通成本较高。".into(),
                    next_plan: "继续推进合作项目，按计划开展驻镇服务。".into(),
                },
                ctx.plan,
            ),
        )?;
        let content = serde_json::json!({
            "prefill": {},
            "narrative": text.narrative(),
            "problems": text.problems(),
            "next_plan": text.next_plan(),
        })
        .to_string();
        if roll < missing {
            // A draft left unsubmitted.
            t.reports.row([
                (&id).into(),
                plan_id.into(),
                school.into(),
                month.to_string().into(),
                "draft".into(),
                0.into(),
                text.narrative_json().into(),
                text.problems().into(),
                text.next_plan().into(),
                V::NoI,
                V::NoI,
                V::NoI,
                V::NoT,
                "".into(),
                opened.into(),
                opened.into(),
            ]);
            continue;
        }
        let submitted = if roll < missing + late {
            created_ms(
                d.due_on.checked_add(rng.range(1, 20).days())?,
                rng.range(-180, 300),
            )
        } else {
            created_ms(
                d.due_on.checked_sub(rng.range(1, 10).days())?,
                rng.range(-180, 300),
            )
        };
        // The store refuses a first submission once submissions have closed.
        anyhow::ensure!(
            submitted <= d.closes_ms,
            "生成的 {month} 月度报告晚于报送截止时间"
        );
        let expected = if roll < missing + late {
            Timeliness::Late
        } else {
            Timeliness::OnTime
        };
        anyhow::ensure!(timeliness(&d, Some(submitted), submitted) == expected);
        let review = rng.below(100);
        let reviewed = submitted + rng.range(1, 5) * 86_400_000;
        let admin = ctx.admin;
        // One submitted version and the review it got: (review, comment, reviewed at).
        let mut version_row =
            |rng: &mut Rng, n: i64, at: i64, review: Option<(&str, &str, i64)>| {
                t.report_versions.row([
                    rng.uuid().into(),
                    (&id).into(),
                    n.into(),
                    (&content).into(),
                    at.into(),
                    admin.into(),
                    review.map(|r| r.0).into(),
                    review.map_or("", |r| r.1).into(),
                    review.map_or(V::NoI, |r| r.2.into()),
                    review.map(|_| admin).into(),
                ]);
            };
        let (state, version, last_submitted, reviewed_at) = match review {
            // Returned with a comment, submitted again, then accepted.
            0..4 => {
                let again = reviewed + rng.range(1, 4) * 86_400_000;
                let comment = checked(
                    "退回意见",
                    parse_comment("退回意见", "请补充本月项目进展的具体数据。").map_err(Into::into),
                )?;
                version_row(
                    &mut rng,
                    1,
                    submitted,
                    Some(("returned", &comment, reviewed)),
                );
                let accepted = again + 86_400_000;
                version_row(&mut rng, 2, again, Some(("accepted", "", accepted)));
                ("accepted", 2, again, Some(accepted))
            }
            // Awaiting the bureau's review.
            4..7 => {
                version_row(&mut rng, 1, submitted, None);
                ("submitted", 1, submitted, None)
            }
            _ => {
                version_row(&mut rng, 1, submitted, Some(("accepted", "", reviewed)));
                ("accepted", 1, submitted, Some(reviewed))
            }
        };
        t.reports.row([
            (&id).into(),
            plan_id.into(),
            school.into(),
            month.to_string().into(),
            state.into(),
            i64::from(version).into(),
            text.narrative_json().into(),
            text.problems().into(),
            text.next_plan().into(),
            submitted.into(),
            last_submitted.into(),
            reviewed_at.map_or(V::NoI, V::I),
            reviewed_at.map(|_| admin).into(),
            "".into(),
            opened.into(),
            reviewed_at.unwrap_or(last_submitted).into(),
        ]);
    }
    Ok(())
}

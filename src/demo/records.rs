//! One group's records: its team (with a few members replaced over the years), the tripartite
//! agreement, practice bases, and for each year on-site service, joint meetings, the annual
//! plan, projects with progress and outcome figures, expenses and major matters. Every record is
//! typed as its form would send it and checked by the domain function its service calls; the
//! checked value is what is written.

use super::bulk::V;
use super::names::{self, Rng};
use super::{FIRST_YEAR, GroupPlan, Tables, created_ms};
use crate::domain::FieldErrors;
use crate::domain::agreement::{AgreementInput, parse_agreement};
use crate::domain::annual_plan::{PlanHeaderInput, PlanItemInput, parse_header, parse_item};
use crate::domain::base::{BASE_FUNCTIONS, BaseInput, parse_base};
use crate::domain::expense::{ExpenseInput, ShareInput, parse_expense};
use crate::domain::ids::{OrgId, TeamMemberId};
use crate::domain::matter::{MatterInput, parse_matter};
use crate::domain::meeting::{MeetingInput, Person, parse_meeting, people_json};
use crate::domain::onsite::{OnsiteEntryDraft, check_onsite_entry};
use crate::domain::org::MemberRole;
use crate::domain::plan::{OutcomeKind, Plan};
use crate::domain::project::{ProjectInput, UpdateInput, parse_project, parse_update};
use crate::domain::team::{TeamMemberInput, Title, parse_departure, parse_team_member};
use anyhow::Context as _;
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::HashSet;

/// What every group's records share.
pub(crate) struct Context<'a> {
    pub plan: &'a Plan,
    pub admin: &'a str,
    pub seed: u64,
    pub years: i16,
}

/// A refused record stops the run, naming the record and every reason.
pub(crate) fn checked<T>(what: &str, r: Result<T, FieldErrors>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("生成的{what}未通过校验：{e}"))
}

fn year_end(year: i16) -> Date {
    Date::new(year, 12, 31).expect("a valid date")
}

/// A day of `year` from `from` on, weekdays four times as likely as weekends.
fn day_in(rng: &mut Rng, from: Date, year: i16) -> Date {
    let start = from.max(Date::new(year, 1, 1).expect("a valid date"));
    let span = (year_end(year) - start).get_days().max(0) as i64;
    let mut d = start
        .checked_add(rng.range(0, span).days())
        .expect("within the year");
    if d.weekday().to_monday_zero_offset() >= 5 && rng.chance(750) {
        d = start
            .checked_add(rng.range(0, span).days())
            .expect("within the year");
    }
    d
}

/// A member organisation's name, for the texts that name a place.
fn name_of<'a>(g: &'a GroupPlan, org: &OrgId) -> &'a str {
    g.calendar
        .members
        .iter()
        .find(|m| &m.org_id == org)
        .map_or("", |m| m.name.as_str())
}

/// A member of the team over time (a replacement joins the day the one before left).
struct Member {
    id: TeamMemberId,
    joined: Date,
    left: Option<Date>,
}

impl Member {
    fn on_team(&self, from: Date, to: Date) -> bool {
        self.joined <= from && self.left.is_none_or(|l| to < l)
    }
}

/// How a group keeps to the rules: most do, some fall short in a way or two.
struct Habits {
    small_team: bool,
    junior_member: bool,
    late_agreement: bool,
    unsigned: bool,
    village_not_signed: bool,
    no_base: bool,
}

const ONSITE_WORK: &[&str] = &[
    "走访农户了解产业发展需求",
    "开展电商直播带货培训",
    "调研村集体经济项目",
    "指导特色农产品品牌设计",
    "开展义诊和健康讲座",
    "参与村庄规划方案讨论",
    "为企业提供技术咨询",
    "组织学生开展暑期社会实践",
    "开展技能培训课程",
    "协助整理村史资料",
    "开展普法宣传活动",
    "指导人居环境整治",
    "开展青少年科普活动",
    "对接文旅项目策划",
    "走访企业收集技术难题",
];

const PROJECT_TITLES: [&[&str]; 6] = [
    &[
        "美丽乡村风貌提升",
        "村庄规划编制",
        "红色文化资源保护",
        "人居环境整治",
    ],
    &[
        "企业技术攻关",
        "微创新项目孵化",
        "智能制造诊断",
        "产学研合作平台",
    ],
    &[
        "乡村工匠培训",
        "电商人才培养",
        "技能大师工作室",
        "新型农民培训",
    ],
    &[
        "集体物业盘活",
        "农文旅融合发展",
        "特色农产品品牌",
        "乡村民宿运营",
    ],
    &[
        "健康义诊进村",
        "志愿服务行动",
        "法治宣传教育",
        "文体活动下乡",
    ],
    &[
        "产业发展规划",
        "圩镇更新设计",
        "基层治理调研",
        "景观设计方案",
    ],
];

const POSTS: &[&str] = &[
    "副校长",
    "党委副书记",
    "镇长",
    "副镇长",
    "村党支部书记",
    "村委会主任",
    "处长",
    "科长",
    "队长",
];

/// Fills one group's records into `t`.
pub(crate) fn fill_group(ctx: &Context, g: &GroupPlan, t: &mut Tables) -> anyhow::Result<()> {
    let mut rng = Rng::derive(ctx.seed, "group", g.number as u64);
    let cal = &g.calendar;
    let habits = Habits {
        small_team: rng.chance(30),
        junior_member: rng.chance(30),
        late_agreement: rng.chance(40),
        unsigned: rng.chance(8),
        village_not_signed: rng.chance(25),
        no_base: rng.chance(25),
    };
    let universities = g.of_role(MemberRole::University);
    let vocational = g.of_role(MemberRole::VocationalSchool);
    let town = g.of_role(MemberRole::Town)[0].clone();
    let places: Vec<&OrgId> = cal
        .members
        .iter()
        .filter(|m| m.is_place())
        .map(|m| &m.org_id)
        .collect();
    let school = |rng: &mut Rng| -> OrgId {
        if vocational.is_empty() || rng.chance(600) {
            (*rng.pick(&universities)).clone()
        } else {
            (*rng.pick(&vocational)).clone()
        }
    };
    let last_year = FIRST_YEAR + ctx.years - 1;

    let team = fill_team(ctx, g, &habits, &mut rng, t, &school)?;
    fill_agreement(g, &habits, &mut rng, t)?;
    fill_bases(g, &habits, &mut rng, t, &places)?;
    let mut same_service = HashSet::new();
    for year in FIRST_YEAR..=last_year {
        let mut rng = Rng::derive(ctx.seed, &format!("group-year-{year}"), g.number as u64);
        fill_onsite(ctx, g, year, &mut rng, t, &team, &places, &mut same_service)?;
        let has_plan = !rng.chance(60);
        fill_meetings(ctx, g, year, has_plan, &mut rng, t, &town)?;
        let projects = fill_projects(ctx, g, year, &mut rng, t, &places, &school)?;
        if has_plan {
            fill_annual_plan(ctx, g, year, &mut rng, t, &projects)?;
        }
        fill_expenses(ctx, g, year, &mut rng, t, &projects)?;
        fill_matters(ctx, g, year, &mut rng, t, &town, &school)?;
    }
    Ok(())
}

/// A team member as planned, before the check.
struct Planned {
    org: OrgId,
    role: &'static str,
    title: Title,
    leader: bool,
    joined: Date,
    left: Option<Date>,
}

/// 四(一) the team: a captain of the university, a vice-captain of a vocational school (none in
/// a pairing without one), the rest of either with an intermediate title or higher; a few leave
/// in later years and someone of the same school joins the day they leave.
fn fill_team(
    ctx: &Context,
    g: &GroupPlan,
    habits: &Habits,
    rng: &mut Rng,
    t: &mut Tables,
    school: &dyn Fn(&mut Rng) -> OrgId,
) -> anyhow::Result<Vec<Member>> {
    let universities = g.of_role(MemberRole::University);
    let vocational = g.of_role(MemberRole::VocationalSchool);
    let size = if habits.small_team {
        5
    } else {
        rng.range(8, 12) as usize
    };
    let senior = |rng: &mut Rng| *rng.pick(&[Title::Senior, Title::ViceSenior]);
    let mut planned: Vec<Planned> = Vec::with_capacity(size + 2);
    for k in 0..size {
        let joined = g.calendar.started_on.checked_add(rng.range(3, 40).days())?;
        let p = match k {
            0 => Planned {
                org: universities[0].clone(),
                role: "captain",
                title: senior(rng),
                leader: true,
                joined,
                left: None,
            },
            1 if !vocational.is_empty() => Planned {
                org: vocational[0].clone(),
                role: "vice_captain",
                title: senior(rng),
                leader: true,
                joined,
                left: None,
            },
            _ => Planned {
                org: school(rng),
                role: "member",
                title: if k == 2 && habits.junior_member {
                    Title::Junior
                } else {
                    *rng.pick(&[
                        Title::Intermediate,
                        Title::Intermediate,
                        Title::ViceSenior,
                        Title::Senior,
                    ])
                },
                leader: false,
                joined,
                left: None,
            },
        };
        planned.push(p);
    }
    let last_year = FIRST_YEAR + ctx.years - 1;
    if last_year > FIRST_YEAR {
        for k in 2..size {
            if rng.chance(80) {
                let year = rng.range(i64::from(FIRST_YEAR) + 1, i64::from(last_year)) as i16;
                let left = day_in(rng, Date::new(year, 1, 1)?, year);
                planned[k].left = Some(left);
                let title = planned[k].title.max(Title::Intermediate);
                planned.push(Planned {
                    org: planned[k].org.clone(),
                    role: "member",
                    title,
                    leader: false,
                    joined: left,
                    left: None,
                });
            }
        }
    }
    let mut team = Vec::with_capacity(planned.len());
    for p in planned {
        let input = TeamMemberInput {
            person_name: names::person(rng),
            org_id: p.org.as_str().into(),
            role: p.role.into(),
            title: p.title.as_str().into(),
            school_leader: p.leader,
            phone: String::new(),
            joined_on: p.joined.to_string(),
        };
        let m = checked(
            "队员",
            parse_team_member(&input, &g.calendar, year_end(p.joined.year())),
        )?;
        let left = match p.left {
            Some(d) => Some(
                checked(
                    "离队日期",
                    parse_departure(&d.to_string(), m.joined_on(), year_end(d.year())),
                )?
                .left_on(),
            ),
            None => None,
        };
        let id = TeamMemberId::from_db(rng.uuid());
        t.team.row([
            id.as_str().into(),
            (&g.id).into(),
            m.person_name().into(),
            m.org_id().into(),
            m.role().as_str().into(),
            m.title().as_str().into(),
            m.school_leader().into(),
            m.phone().into(),
            m.joined_on().into(),
            left.into(),
            created_ms(m.joined_on(), rng.range(0, 300)).into(),
        ]);
        team.push(Member {
            id,
            joined: m.joined_on(),
            left,
        });
    }
    Ok(team)
}

/// 四(二) the tripartite agreement, due a month after the group began: most sign within it,
/// some late, a few not yet, some without one of the villages.
fn fill_agreement(
    g: &GroupPlan,
    habits: &Habits,
    rng: &mut Rng,
    t: &mut Tables,
) -> anyhow::Result<()> {
    let start = g.calendar.started_on;
    let signed_on = if habits.unsigned {
        None
    } else if habits.late_agreement {
        Some(start.checked_add(rng.range(35, 80).days())?)
    } else {
        Some(start.checked_add(rng.range(5, 28).days())?)
    };
    let mut parties: Vec<String> = g
        .calendar
        .members
        .iter()
        .map(|m| m.org_id.as_str().to_string())
        .collect();
    if habits.village_not_signed
        && let Some(k) = g
            .calendar
            .members
            .iter()
            .rposition(|m| m.role == MemberRole::Village)
    {
        parties.remove(k);
    }
    let input = AgreementInput {
        signed_on: signed_on.map(|d| d.to_string()).unwrap_or_default(),
        // Not yet signed: the form asks for a word on how it stands (an empty form is no record).
        notes: if signed_on.is_none() {
            "协议文本已商定，正在各方会签。".to_string()
        } else {
            String::new()
        },
        parties,
        with_scans: false,
    };
    let entered = signed_on.unwrap_or(start);
    let a = checked(
        "三方协议",
        parse_agreement(&input, &g.calendar, year_end(entered.year())),
    )?;
    let id = rng.uuid();
    let at = created_ms(entered, rng.range(0, 300));
    t.agreements.row([
        (&id).into(),
        (&g.id).into(),
        a.signed_on().into(),
        a.notes().into(),
        at.into(),
        at.into(),
    ]);
    for p in a.parties() {
        t.parties.row([(&id).into(), p.into()]);
    }
    Ok(())
}

/// 三(一) practice bases: one, some groups two, a few none.
fn fill_bases(
    g: &GroupPlan,
    habits: &Habits,
    rng: &mut Rng,
    t: &mut Tables,
    places: &[&OrgId],
) -> anyhow::Result<()> {
    let n = if habits.no_base {
        0
    } else if rng.chance(300) {
        2
    } else {
        1
    };
    for _ in 0..n {
        let place = *rng.pick(places);
        let opened = day_in(rng, g.calendar.started_on, FIRST_YEAR);
        let k = 1 + rng.below(2);
        let functions: Vec<String> = (0..k)
            .map(|j| BASE_FUNCTIONS[(rng.below(4) + j) % 4].0.to_string())
            .collect();
        let kind = rng.pick(&["乡村振兴实践基地", "校地共建实践基地", "产学研实践基地"]);
        let input = BaseInput {
            name: format!("{}{kind}", name_of(g, place)),
            place: place.as_str().into(),
            functions,
            opened_on: opened.to_string(),
            description: "师生驻点开展教学实践、科研服务和志愿服务。".into(),
        };
        let b = checked(
            "实践基地",
            parse_base(&input, &g.calendar, year_end(opened.year())),
        )?;
        t.bases.row([
            rng.uuid().into(),
            (&g.id).into(),
            b.name().into(),
            b.place_org_id().into(),
            b.functions().join(",").into(),
            b.opened_on().into(),
            b.description().into(),
            created_ms(opened, rng.range(0, 300)).into(),
        ]);
    }
    Ok(())
}

/// 四(二) on-site service: a working team keeps three or four entries a week; one group in ten
/// in a year manages far fewer days than the rule asks.
#[allow(clippy::too_many_arguments)]
fn fill_onsite(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    rng: &mut Rng,
    t: &mut Tables,
    team: &[Member],
    places: &[&OrgId],
    same_service: &mut HashSet<String>,
) -> anyhow::Result<()> {
    let n = if rng.chance(100) {
        rng.range(40, 70)
    } else {
        rng.range(155, 195)
    };
    let end = year_end(year);
    for _ in 0..n {
        let from = day_in(rng, g.calendar.started_on, year);
        let days = match rng.below(20) {
            0..12 => 0,
            12..17 => 1,
            _ => 2,
        };
        let to = from.checked_add(days.days())?.min(end);
        let on_team: Vec<&Member> = team.iter().filter(|m| m.on_team(from, to)).collect();
        if on_team.is_empty() {
            continue;
        }
        let k = match rng.below(20) {
            0..10 => 1,
            10..17 => 2,
            _ => 3,
        };
        let members: Vec<TeamMemberId> = (0..k).map(|_| rng.pick(&on_team).id.clone()).collect();
        let place = *rng.pick(places);
        let content = format!("在{}{}", name_of(g, place), rng.pick(ONSITE_WORK));
        let draft = OnsiteEntryDraft {
            date_from: from,
            date_to: to,
            place_org_id: place.clone(),
            content,
            member_ids: members,
            students: if rng.chance(300) { rng.range(2, 20) } else { 0 },
        };
        let e = checked("驻镇服务记录", check_onsite_entry(draft, &g.calendar, end))?;
        let key = e.same_service_key();
        if !same_service.insert(key.clone()) {
            continue; // the same service twice: the store would refuse it too
        }
        let id = rng.uuid();
        let member_ids: Vec<&str> = e.member_ids().iter().map(|m| m.as_str()).collect();
        t.onsite.row([
            (&id).into(),
            (&g.id).into(),
            e.date_from().into(),
            e.date_to().into(),
            e.place_org_id().into(),
            e.content().into(),
            ctx.admin.into(),
            created_ms(e.date_to(), rng.range(0, 600)).into(),
            crate::store::onsite::dedup_key(&key).into(),
            member_ids.join(",").into(),
            e.students().into(),
        ]);
        for m in member_ids {
            t.onsite_members.row([(&id).into(), m.into()]);
        }
    }
    Ok(())
}

/// 五(一) joint meetings: three or four a year, the first adopting the annual plan where there
/// is one; a group in fifteen meets only once in a year.
#[allow(clippy::too_many_arguments)]
fn fill_meetings(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    has_plan: bool,
    rng: &mut Rng,
    t: &mut Tables,
    town: &OrgId,
) -> anyhow::Result<()> {
    let n = if rng.chance(70) { 1 } else { rng.range(3, 4) };
    let months: &[i8] = if n == 3 { &[3, 7, 11] } else { &[2, 5, 8, 11] };
    for (k, month) in months.iter().take(n as usize).enumerate() {
        let held_on = Date::new(year, *month, rng.range(3, 27) as i8)?;
        let present: Vec<_> = g
            .calendar
            .members
            .iter()
            .filter(|m| m.active_on(held_on) && (m.role != MemberRole::Village || rng.chance(850)))
            .collect();
        let people = present
            .iter()
            .map(|m| Person {
                name: names::person(rng),
                organisation: m.name.clone(),
                post: rng.pick(POSTS).to_string(),
            })
            .collect();
        let input = MeetingInput {
            held_on: held_on.to_string(),
            place: format!("{}政府会议室", name_of(g, town)),
            orgs: present.iter().map(|m| m.org_id.as_str().into()).collect(),
            people,
            agenda: "通报上阶段工作进展；研究下阶段服务安排；协调解决存在问题".into(),
            minutes: "会议听取了服务队工作汇报，对下阶段驻镇服务和合作项目作出安排。".into(),
            adopts_annual_plan: k == 0 && has_plan,
        };
        let m = checked(
            "联席会议",
            parse_meeting(&input, &g.calendar, year_end(year)),
        )?;
        let id = rng.uuid();
        t.meetings.row([
            (&id).into(),
            (&g.id).into(),
            m.held_on.into(),
            (&m.place).into(),
            people_json(&m.people).to_string().into(),
            (&m.agenda).into(),
            (&m.minutes).into(),
            m.adopts_annual_plan.into(),
            ctx.admin.into(),
            created_ms(m.held_on, rng.range(240, 600)).into(),
        ]);
        for org in &m.orgs {
            t.attendees.row([(&id).into(), org.into()]);
        }
    }
    Ok(())
}

/// A project of the year as the annual plan may link it.
struct YearProject {
    id: String,
    area: u8,
    starts_on: Date,
}

/// 三(一)–(六) projects across the plan's areas, each with progress updates adding to its
/// area's outcome figures; some are services a town or village buys from the school (五(二)).
fn fill_projects(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    rng: &mut Rng,
    t: &mut Tables,
    places: &[&OrgId],
    school: &dyn Fn(&mut Rng) -> OrgId,
) -> anyhow::Result<Vec<YearProject>> {
    let n = rng.range(18, 22);
    let last = year == FIRST_YEAR + ctx.years - 1;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let area_no = 1 + rng.below(ctx.plan.areas.len()) as i64;
        let area = ctx.plan.area(area_no).context("the plan's area")?;
        let starts_on = day_in(rng, g.calendar.started_on, year).min(Date::new(year, 10, 31)?);
        let ends_on = starts_on.checked_add(rng.range(30, 240).days())?;
        let status = match (last, rng.below(20)) {
            (false, 0) => "paused",
            (false, 1) => "active",
            (false, _) => "done",
            (true, 0..3) => "planned",
            (true, 3..16) => "active",
            (true, _) => "done",
        };
        let lead = if rng.chance(250) {
            (*rng.pick(places)).clone()
        } else {
            school(rng)
        };
        let purchased = g.calendar.school_role_on(&lead, starts_on).is_some() && rng.chance(50);
        let titles = PROJECT_TITLES[(area.number as usize - 1) % 6];
        let input = ProjectInput {
            title: format!("{year}年{}项目", rng.pick(titles)),
            area: area_no.to_string(),
            lead: lead.as_str().into(),
            partners: String::new(),
            starts_on: starts_on.to_string(),
            ends_on: ends_on.to_string(),
            status: status.into(),
            description: format!("围绕{}开展合作。", area.name),
            purchased,
            buyer: if purchased {
                (*rng.pick(places)).as_str().into()
            } else {
                String::new()
            },
            contract: if purchased {
                (rng.range(5, 50) * 10_000).to_string()
            } else {
                String::new()
            },
        };
        let p = checked("合作项目", parse_project(&input, ctx.plan, &g.calendar))?;
        let id = rng.uuid();
        t.projects.row([
            (&id).into(),
            (&g.id).into(),
            i64::from(p.area).into(),
            (&p.title).into(),
            (&p.lead_org_id).into(),
            (&p.partners).into(),
            p.starts_on.into(),
            p.ends_on.into(),
            p.status.as_str().into(),
            (&p.description).into(),
            p.purchase.is_some().into(),
            p.purchase.as_ref().map(|x| &x.buyer_org_id).into(),
            p.purchase
                .as_ref()
                .map_or(V::NoI, |x| x.contract.get().into()),
            ctx.admin.into(),
            created_ms(p.starts_on, rng.range(0, 300)).into(),
        ]);
        // Progress within the year, up to the project's end.
        let until = ends_on.min(year_end(year));
        let updates = if status == "planned" {
            0
        } else {
            rng.range(1, 4)
        };
        for _ in 0..updates {
            let happened = day_in(rng, starts_on, year).min(until);
            let mut figures = Vec::new();
            for f in &area.outcomes {
                if rng.chance(650) {
                    let amount = match f.kind {
                        OutcomeKind::Money => rng.range(1, 200) * 1_000,
                        _ => rng.range(1, 60),
                    };
                    figures.push((f.code.clone(), amount.to_string()));
                }
            }
            let input = UpdateInput {
                happened_on: happened.to_string(),
                summary: "按计划推进，完成阶段性任务。".into(),
                students: rng.range(0, 30).to_string(),
                figures,
            };
            let u = checked(
                "项目进展",
                parse_update(&input, area, p.starts_on, year_end(year)),
            )?;
            let uid = rng.uuid();
            t.updates.row([
                (&uid).into(),
                (&id).into(),
                (&g.id).into(),
                u.happened_on.into(),
                (&u.summary).into(),
                u.students.into(),
                ctx.admin.into(),
                created_ms(u.happened_on, rng.range(0, 600)).into(),
            ]);
            for (code, amount) in &u.figures {
                t.outcomes
                    .row([(&uid).into(), code.into(), (*amount).into()]);
            }
        }
        out.push(YearProject {
            id,
            area: p.area,
            starts_on: p.starts_on,
        });
    }
    Ok(out)
}

/// 五(一) the year's annual cooperation plan: an item for most areas, each with a target and the
/// year's project of that area where there is one.
fn fill_annual_plan(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    rng: &mut Rng,
    t: &mut Tables,
    projects: &[YearProject],
) -> anyhow::Result<()> {
    let header = checked(
        "年度合作计划",
        parse_header(
            &PlanHeaderInput {
                title: format!("{year}年度校地合作计划"),
                notes: String::new(),
            },
            year,
        ),
    )?;
    let id = rng.uuid();
    let at = created_ms(
        Date::new(year, 1, 1)?.checked_add(rng.range(10, 50).days())?,
        0,
    );
    t.annual_plans.row([
        (&id).into(),
        (&g.id).into(),
        i64::from(year).into(),
        (&header.title).into(),
        (&header.notes).into(),
        ctx.admin.into(),
        at.into(),
    ]);
    for area in &ctx.plan.areas {
        if rng.chance(200) {
            continue;
        }
        let field = rng.pick(&area.outcomes);
        let amount = match field.kind {
            OutcomeKind::Money => rng.range(5, 50) * 10_000,
            _ => rng.range(10, 200),
        };
        let project = projects.iter().find(|p| p.area == area.number);
        let input = PlanItemInput {
            area: area.number.to_string(),
            text: format!("推进{}", area.name),
            target_code: field.code.clone(),
            target_amount: amount.to_string(),
            project: project.map(|p| p.id.clone()).unwrap_or_default(),
            year_end_status: String::new(),
            year_end_note: String::new(),
        };
        let item = checked("年度计划事项", parse_item(&input, ctx.plan))?;
        let (code, amount) = item.target.clone().unzip();
        t.plan_items.row([
            rng.uuid().into(),
            (&id).into(),
            (&g.id).into(),
            i64::from(item.area).into(),
            (&item.text).into(),
            code.into(),
            amount.map_or(V::NoI, V::I),
            item.project.clone().into(),
            item.year_end_status.map(|s| s.as_str()).into(),
            (&item.year_end_note).into(),
            at.into(),
        ]);
    }
    Ok(())
}

/// 四(二) expenses by the clause's defaults: the school pays its team's transport and living
/// allowances, the town provides office space (often in kind), a major activity is paid by
/// whoever initiated it; now and then the parties agree shares.
fn fill_expenses(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    rng: &mut Rng,
    t: &mut Tables,
    projects: &[YearProject],
) -> anyhow::Result<()> {
    let members: Vec<&OrgId> = g.calendar.members.iter().map(|m| &m.org_id).collect();
    let schools: Vec<&OrgId> = g
        .calendar
        .members
        .iter()
        .filter(|m| m.is_school())
        .map(|m| &m.org_id)
        .collect();
    let town = g.of_role(MemberRole::Town)[0];
    for _ in 0..rng.range(45, 55) {
        let spent_on = day_in(rng, g.calendar.started_on, year);
        let (kind, payer, yuan, in_kind) = match rng.below(20) {
            0..7 => (
                "transport",
                *rng.pick(&schools),
                rng.range(80, 2_000),
                false,
            ),
            7..13 => (
                "living_allowance",
                *rng.pick(&schools),
                rng.range(300, 6_000),
                false,
            ),
            13..15 => ("office_equipment", town, rng.range(1_000, 30_000), true),
            15..17 => (
                "major_activity",
                *rng.pick(&members),
                rng.range(5_000, 80_000),
                false,
            ),
            _ => ("other", *rng.pick(&members), rng.range(100, 5_000), false),
        };
        let shares = if !in_kind && rng.chance(50) {
            let other = *rng.pick(&members);
            if other == payer {
                Vec::new()
            } else {
                let (a, b) = *rng.pick(&[("50", "50"), ("60", "40"), ("70", "30")]);
                vec![
                    ShareInput {
                        org: payer.as_str().into(),
                        percent: a.into(),
                    },
                    ShareInput {
                        org: other.as_str().into(),
                        percent: b.into(),
                    },
                ]
            }
        } else {
            Vec::new()
        };
        let project = projects
            .iter()
            .filter(|p| p.starts_on <= spent_on)
            .nth(rng.below(8))
            .filter(|_| rng.chance(300));
        let input = ExpenseInput {
            spent_on: spent_on.to_string(),
            // An office in kind often has no estimated value.
            amount: if in_kind && rng.chance(500) {
                String::new()
            } else {
                format!("{yuan}.{:02}", rng.below(100))
            },
            payer: payer.as_str().into(),
            kind: kind.into(),
            in_kind,
            initiator: if kind == "major_activity" {
                payer.as_str().into()
            } else {
                String::new()
            },
            notes: String::new(),
            shares,
            project: project.map(|p| p.id.clone()).unwrap_or_default(),
        };
        let x = checked("经费", parse_expense(&input, &g.calendar, year_end(year)))?;
        let id = rng.uuid();
        t.expenses.row([
            (&id).into(),
            (&g.id).into(),
            x.spent_on.into(),
            x.amount.map_or(V::NoI, |f| f.get().into()),
            (&x.payer_org_id).into(),
            (&x.kind).into(),
            x.in_kind.into(),
            x.initiator_org_id.as_ref().into(),
            (&x.notes).into(),
            ctx.admin.into(),
            created_ms(x.spent_on, rng.range(0, 600)).into(),
            x.project_id.as_ref().map(|p| p.as_str()).into(),
        ]);
        for s in &x.shares {
            t.shares.row([
                (&id).into(),
                (&s.org_id).into(),
                i64::from(s.basis_points).into(),
                s.fen.into(),
            ]);
        }
    }
    Ok(())
}

/// 五(一) major matters, reported to HQ within days; one in twelve well after the local limit.
fn fill_matters(
    ctx: &Context,
    g: &GroupPlan,
    year: i16,
    rng: &mut Rng,
    t: &mut Tables,
    town: &OrgId,
    school: &dyn Fn(&mut Rng) -> OrgId,
) -> anyhow::Result<()> {
    const SUMMARIES: &[&str] = &[
        "村集体物业改造项目资金缺口",
        "驻点服务用房需协调解决",
        "合作企业技术需求超出服务队能力",
        "台风影响驻村服务安排",
        "村级项目用地审批需上级协调",
    ];
    for _ in 0..rng.range(0, 2) {
        let raised_on = day_in(rng, g.calendar.started_on, year);
        let late = rng.chance(80);
        let reported_on = raised_on.checked_add(if late {
            rng.range(10, 25).days()
        } else {
            rng.range(0, 3).days()
        })?;
        let input = MatterInput {
            summary: rng.pick(SUMMARIES).to_string(),
            details: "需指挥部协调相关部门研究解决。".into(),
            urgency: rng
                .pick(&["normal", "normal", "normal", "urgent", "critical"])
                .to_string(),
            raised_on: raised_on.to_string(),
        };
        // Recorded (and so reported to HQ) on the day it was reported.
        let m = checked(
            "重大事项",
            parse_matter(&input, g.calendar.started_on, reported_on),
        )?;
        let by = if rng.chance(500) {
            town.clone()
        } else {
            school(rng)
        };
        t.matters.row([
            rng.uuid().into(),
            (&g.id).into(),
            m.summary().into(),
            m.details().into(),
            m.urgency().as_str().into(),
            m.raised_on().into(),
            created_ms(reported_on, rng.range(0, 480)).into(),
            reported_on.into(),
            ctx.admin.into(),
            (&by).into(),
        ]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::{GroupCalendar, Membership};
    use crate::domain::ids::GroupId;
    use crate::domain::plan::DONGGUAN_2023_PLAN;

    fn group(started_on: Date) -> GroupPlan {
        let member = |role: MemberRole, name: &str| Membership {
            org_id: OrgId::new(),
            name: name.into(),
            role,
            from: started_on,
            to: None,
        };
        GroupPlan {
            id: GroupId::new(),
            number: 1,
            calendar: GroupCalendar {
                started_on,
                ended_on: None,
                members: vec![
                    member(MemberRole::Town, "石岭镇"),
                    member(MemberRole::Village, "塘尾村"),
                    member(MemberRole::University, "江华理工学院"),
                    member(MemberRole::VocationalSchool, "江华职业技术学院"),
                ],
            },
        }
    }

    #[test]
    fn a_group_s_records_pass_the_checks_and_a_record_the_checks_refuse_stops_the_run() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        let ctx = Context {
            plan: &plan,
            admin: "admin",
            seed: 3,
            years: 2,
        };
        let mut t = Tables::new();
        fill_group(&ctx, &group(Date::constant(2023, 12, 29)), &mut t).unwrap();
        assert!(t.team.rows() >= 5 && t.onsite.rows() > 60 && t.projects.rows() >= 36);

        // A group that began after the first year: its first year's joint meetings fall before
        // the pairing began — parse_meeting refuses them, and so the generator stops.
        let mut t = Tables::new();
        let err = fill_group(&ctx, &group(Date::constant(2025, 3, 1)), &mut t).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("未通过校验") && text.contains("不在结对期内"),
            "{text}"
        );

        // The check itself, on one record: a place outside the group is refused.
        let g = group(Date::constant(2023, 12, 29));
        let draft = OnsiteEntryDraft {
            date_from: Date::constant(2024, 5, 6),
            date_to: Date::constant(2024, 5, 6),
            place_org_id: OrgId::new(),
            content: "调研".into(),
            member_ids: vec![TeamMemberId::new()],
            students: 0,
        };
        let refused = checked(
            "驻镇服务记录",
            check_onsite_entry(draft, &g.calendar, year_end(2024)),
        )
        .unwrap_err();
        assert!(refused.to_string().contains("服务地点"), "{refused}");
    }

    #[test]
    fn every_way_of_keeping_the_agreement_passes_its_check() {
        let g = group(Date::constant(2023, 12, 29));
        for (unsigned, late, village_not_signed) in [
            (false, false, false),
            (true, false, false),
            (false, true, false),
            (false, false, true),
            (true, false, true),
        ] {
            let habits = Habits {
                small_team: false,
                junior_member: false,
                late_agreement: late,
                unsigned,
                village_not_signed,
                no_base: false,
            };
            let mut t = Tables::new();
            fill_agreement(&g, &habits, &mut Rng::new(7), &mut t)
                .unwrap_or_else(|e| panic!("unsigned {unsigned}, late {late}: {e:#}"));
            assert_eq!(t.agreements.rows(), 1);
            assert_eq!(t.parties.rows(), if village_not_signed { 3 } else { 4 });
        }
    }
}

//! Real Chromium (Debian's chromium + chromium-driver) against the real server.

#[allow(dead_code)] // the accessibility walk's helpers are not used here
mod support;

use fantoccini::Locator;
use support::{Harness, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_and_sees_the_eight_groups_on_a_phone() {
    let Some(h) = Harness::start().await else {
        return;
    };
    let b = h.browser(390, 844).await;

    b.goto("/").await;
    // Not signed in: the login page.
    b.wait_for("input[name=username]").await;
    assert!(b.path().await.starts_with("/login"));
    b.sign_in("admin", PASSWORD).await;

    // Signed in: the bureau's home (the compliance matrix), then the group list from the navigation.
    assert_eq!(b.path().await, "/");
    assert!(b.text("main h1").await.contains("合规矩阵"));
    b.follow("结对组").await;
    b.wait_for("table.groups").await;
    assert_eq!(
        b.count("table.groups tbody tr").await,
        8,
        "the home page lists the 8 groups"
    );
    let text = b.text("main").await;
    for n in 1..=8 {
        assert!(text.contains(&format!("第 {n} 组")), "group {n} is shown");
    }
    assert!(text.contains("广东医科大学") && text.contains("凤凰岗社区"));

    // Usable on a 390-px phone: nothing runs off the side of the screen.
    let overflow =
        b.c.execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page is wider than the phone by {overflow} px"
    );
    b.screenshot("groups-390px.png").await;

    // A group page opens from the list.
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    let page = b.text("main").await;
    assert!(page.contains("塘厦镇") && page.contains("东莞市电子科技学校"));
    b.screenshot("group-4-390px.png").await;

    // The team page: no captain yet; add one through the form and the verdict turns.
    b.follow("服务工作队").await;
    let row = b.wait_for("tr[data-rule='team-captain']").await;
    assert_eq!(
        row.attr("data-status").await.unwrap().as_deref(),
        Some("not_met")
    );
    assert!(row.text().await.unwrap().contains("未设队长"));
    // The form sits below the rules and the list, far down a phone's page. A date in the future
    // and a short phone number are turned down: the page opens at the summary of both, with
    // everything typed kept, at phone and at desktop width.
    b.fill("#add-member input[name=person_name]", "王校长")
        .await;
    b.select_label(
        "#add-member select[name=org_id]",
        "广东医科大学（在莞高校）",
    )
    .await;
    b.select_value("#add-member select[name=role]", "captain")
        .await;
    b.select_value("#add-member select[name=title]", "senior")
        .await;
    b.tick_at("#add-member input[name=school_leader]").await;
    b.set_date("#add-member input[name=joined_on]", "2027-01-05")
        .await;
    b.fill("#add-member input[name=phone]", "12345").await;
    for (width, height) in [(1440, 900), (390, 844)] {
        b.c.set_window_size(width, height).await.unwrap();
        b.click_and_wait("#add-member button[type=submit]").await;
        let summary = b.assert_at_error_summary().await;
        assert!(
            summary.contains("加入日期") && summary.contains("手机号码"),
            "both errors at once: {summary}"
        );
        assert_eq!(
            b.find("#add-member input[name=person_name]")
                .await
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("王校长"),
            "what was typed is kept"
        );
        b.check_accessibility().await;
        b.screenshot(&format!("form-with-errors-{width}px.png"))
            .await;
    }
    b.set_date("#add-member input[name=joined_on]", "2026-01-05")
        .await;
    b.fill("#add-member input[name=phone]", "").await;
    b.submit("#add-member form").await;
    // After the redirect back to the team page: 已保存 on screen, and the row reads 符合.
    assert!(b.assert_saved_notice().await.contains("已保存"));
    let row = b
        .wait_for("tr[data-rule='team-captain'][data-status='met']")
        .await;
    assert!(b.path().await.ends_with("/team"));
    assert!(row.text().await.unwrap().contains("队长 王校长"));
    let team = b.text("table.team").await;
    assert!(team.contains("王校长") && team.contains("正高级"));

    // A title entered wrongly is corrected on the member's page; the page then keeps the change
    // in its 修改记录 (kept as screenshots at both widths).
    b.c.find(Locator::Css("table.team a[aria-label='修改：王校长']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for("select[name=title]").await;
    b.select_value("select[name=title]", "vice_senior").await;
    b.submit("form[action$='/edit']").await;
    assert!(b.assert_saved_notice().await.contains("已保存"));
    assert!(b.text("table.team").await.contains("副高级"));
    b.c.find(Locator::Css("table.team a[aria-label='修改：王校长']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let history = b.wait_for("section.history").await;
    let history = history.text().await.unwrap();
    assert!(
        history.contains("职称：正高级 → 副高级"),
        "the correction in 修改记录: {history}"
    );
    b.c.execute(
        "document.querySelector('section.history').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.screenshot("corrected-record-390px.png").await;
    b.c.set_window_size(1440, 900).await.unwrap();
    b.check_accessibility().await;
    b.c.execute(
        "document.querySelector('section.history').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.screenshot("corrected-record-1440px.png").await;
    b.c.set_window_size(390, 844).await.unwrap();
    b.follow("服务工作队").await;
    b.wait_for("table.team").await;
    b.screenshot("team-390px.png").await;

    // The same page on a desktop screen, for people to look at.
    b.c.set_window_size(1280, 900).await.unwrap();
    b.screenshot("team-1280px.png").await;

    // The other tabs of the workspace render, at desktop width, for people to look at.
    for (tab, marker, shot) in [
        ("驻镇(含驻村)服务", "#onsite-progress", "onsite-1280px.png"),
        ("三方协议", "#agreement-status", "agreement-1280px.png"),
        ("实践基地", "#base-status", "bases-1280px.png"),
    ] {
        b.follow(tab).await;
        let el = b.wait_for(marker).await;
        assert!(
            !el.text().await.unwrap().is_empty(),
            "{tab} shows its status"
        );
        b.screenshot(shot).await;
    }

    b.close().await;
    h.stop().await;
}

/// The twelve group rules the overview judges, in its order.
const GROUP_RULES: [&str; 12] = [
    "agreement",
    "team-size",
    "team-captain",
    "team-vice",
    "team-title",
    "onsite",
    "base",
    "meetings",
    "annual-plan",
    "escalation",
    "evaluation",
    "publicity",
];

/// One team member as typed into the 添加队员 form.
struct Member {
    name: &'static str,
    school: &'static str,
    role: &'static str,
    title: &'static str,
    leader: bool,
}

impl Member {
    /// The role as the pages write it.
    fn role_label(&self) -> &'static str {
        match self.role {
            "captain" => "队长",
            "vice_captain" => "副队长",
            _ => "队员",
        }
    }
}

/// The 2024 annual-plan verdict on the group's overview: its badge and its row's text.
async fn annual_plan_verdict(b: &support::Browser, group_path: &str) -> (String, String) {
    b.goto(&format!("{group_path}?year=2024")).await;
    b.wait_for("table.verdicts").await;
    let row = b.find("table.verdicts tr[data-rule='annual-plan']").await;
    let badge = row.find(Locator::Css("span.badge")).await.unwrap();
    (badge.text().await.unwrap(), row.text().await.unwrap())
}

/// A school user records a year of group 4's work through the workspace pages alone — among it
/// the 2024 annual plan and a joint meeting that adopts it, which turns the group page's
/// annual-plan verdict 符合 — and the bureau then finds every rule of 2024 met (符合) on the
/// group's overview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_records_2024_and_the_bureau_sees_every_rule_met() {
    let Some(h) = Harness::start().await else {
        return;
    };
    const GDMU: &str = "广东医科大学（在莞高校）";
    const DZKJ: &str = "东莞市电子科技学校（中职学校）";
    h.add_user("gdmu", "张老师", "广东医科大学", "school").await;
    let b = h.browser(1280, 900).await;

    // The school's user sees its own group only.
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    b.goto("/groups").await;
    b.wait_for("table.groups").await;
    assert!(b.text("header .account").await.contains("张老师"));
    assert_eq!(
        b.count("table.groups tbody tr").await,
        1,
        "a school sees the groups it belongs to"
    );
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    let group_path = b.path().await;
    let facts = b.text("dl.facts").await;
    for name in ["塘厦镇", "凤凰岗社区", "广东医科大学", "东莞市电子科技学校"]
    {
        assert!(facts.contains(name), "group 4 lists {name}: {facts}");
    }
    assert!(facts.contains("2023-12-29"), "group 4 starts 2023-12-29");

    // 三方协议: signed on 2024-01-20 (deadline 2024-01-29) by all four member organisations.
    b.follow("三方协议").await;
    let form = "form[method=post][action$='/agreement']";
    b.set_date(&format!("{form} input[name=signed_on]"), "2024-01-20")
        .await;
    assert_eq!(
        b.count(&format!("{form} input[name=parties]")).await,
        4,
        "the four member organisations are listed"
    );
    for party in ["塘厦镇（镇(街道)）", "凤凰岗社区（村(社区)）", GDMU, DZKJ] {
        let checkbox = b.checkbox_labelled(form, "parties", party).await;
        b.tick(&checkbox).await;
    }
    b.fill(
        &format!("{form} textarea[name=notes]"),
        "四方于 2024-01-20 签署",
    )
    .await;
    b.submit(form).await;
    assert_eq!(b.path().await, format!("{group_path}/agreement"));
    let status = b.text("#agreement-reason").await;
    assert_eq!(b.class("#agreement-status").await, "badge met", "{status}");
    assert_eq!(b.text("#agreement-status").await, "符合");
    assert!(status.contains("由 4 方按期签署"), "{status}");
    assert_eq!(
        b.find("input[name=signed_on]")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("2024-01-20"),
        "the saved date is shown again"
    );

    // 服务工作队: captain and vice-captain (school leaders of the two schools), four members of
    // 中级 or higher; everyone from 2024-01-01.
    b.follow("服务工作队").await;
    let team = [
        Member {
            name: "王校长",
            school: GDMU,
            role: "captain",
            title: "senior",
            leader: true,
        },
        Member {
            name: "李副校长",
            school: DZKJ,
            role: "vice_captain",
            title: "vice_senior",
            leader: true,
        },
        Member {
            name: "陈医生",
            school: GDMU,
            role: "member",
            title: "vice_senior",
            leader: false,
        },
        Member {
            name: "刘护士长",
            school: GDMU,
            role: "member",
            title: "intermediate",
            leader: false,
        },
        Member {
            name: "黄老师",
            school: DZKJ,
            role: "member",
            title: "intermediate",
            leader: false,
        },
        Member {
            name: "周工程师",
            school: DZKJ,
            role: "member",
            title: "senior",
            leader: false,
        },
    ];
    for (i, m) in team.iter().enumerate() {
        b.fill("#add-member input[name=person_name]", m.name).await;
        b.select_label("#add-member select[name=org_id]", m.school)
            .await;
        b.select_value("#add-member select[name=role]", m.role)
            .await;
        b.select_value("#add-member select[name=title]", m.title)
            .await;
        b.set_date("#add-member input[name=joined_on]", "2024-01-01")
            .await;
        if m.leader {
            b.tick_at("#add-member input[name=school_leader]").await;
        }
        b.submit("#add-member form").await;
        assert_eq!(b.path().await, format!("{group_path}/team"));
        let listed = b.text("table.team").await;
        assert!(listed.contains(m.name), "{} is on the team", m.name);
        let n = b.count("table.team tbody tr").await;
        assert_eq!(n, i + 1);
    }
    for rule in ["team-size", "team-captain", "team-vice", "team-title"] {
        let row = b.find(&format!("tr[data-rule='{rule}']")).await;
        assert_eq!(
            row.attr("data-status").await.unwrap().as_deref(),
            Some("met"),
            "{rule}: {}",
            row.text().await.unwrap()
        );
    }

    // 驻镇(含驻村)服务: 92 days in the town (the longest one entry may be) and 12 in the village,
    // 104 distinct days of 2024.
    b.follow("驻镇(含驻村)服务").await;
    for (from, to, place, content, members) in [
        (
            "2024-03-01",
            "2024-05-31",
            "塘厦镇",
            "驻镇开展健康义诊与职业技能培训",
            &["王校长", "陈医生", "黄老师"][..],
        ),
        (
            "2024-10-08",
            "2024-10-19",
            "凤凰岗社区",
            "驻村开展慢病随访与电子技术进社区",
            &["李副校长", "刘护士长", "周工程师"][..],
        ),
    ] {
        let form = "#add-entry form";
        b.set_date(&format!("{form} input[name=date_from]"), from)
            .await;
        b.set_date(&format!("{form} input[name=date_to]"), to).await;
        b.select_label(&format!("{form} select[name=place]"), place)
            .await;
        for who in members {
            let m = team.iter().find(|m| m.name == *who).unwrap();
            let label = format!("{who}（{}）", m.role_label());
            let checkbox = b.checkbox_labelled(form, "members", &label).await;
            b.tick(&checkbox).await;
        }
        b.fill(&format!("{form} textarea[name=content]"), content)
            .await;
        b.submit(form).await;
        assert_eq!(b.path().await, format!("{group_path}/onsite"));
        assert_eq!(b.query().await, "year=2024&saved=onsite_added");
        assert!(b.assert_saved_notice().await.contains("已保存"));
    }
    let progress = b.text("#onsite-progress").await;
    assert!(
        progress.starts_with("104 / 90 天") && progress.contains("312 人天"),
        "104 distinct days, 3 members on each: {progress}"
    );
    assert_eq!(b.class("#onsite-status").await, "badge met");

    // 实践基地: one opened in 2024 (photos are optional).
    b.follow("实践基地").await;
    let form = "form[method=post][action$='/bases']";
    b.fill(
        &format!("{form} input[name=name]"),
        "塘厦镇医教融合乡村建设实践基地",
    )
    .await;
    b.select_label(&format!("{form} select[name=place]"), "塘厦镇")
        .await;
    b.set_date(&format!("{form} input[name=opened_on]"), "2024-06-18")
        .await;
    for function in ["实习锻炼", "科技创新"] {
        let checkbox = b.checkbox_labelled(form, "functions", function).await;
        b.tick(&checkbox).await;
    }
    b.fill(
        &format!("{form} textarea[name=description]"),
        "广东医科大学与东莞市电子科技学校共建",
    )
    .await;
    b.submit(form).await;
    assert_eq!(b.path().await, format!("{group_path}/bases"));
    let base = b.text("main section.card").await;
    assert!(
        base.contains("塘厦镇医教融合乡村建设实践基地") && base.contains("2024-06-18"),
        "{base}"
    );
    assert_eq!(b.class("#base-status").await, "badge met");

    // 五(一): the annual-plan verdict of 2024 on the group page reads 不符合 (the year is over,
    // no plan, no meeting) …
    let (label, text) = annual_plan_verdict(&b, &group_path).await;
    assert_eq!(label, "不符合", "{text}");
    assert!(text.contains("尚未制定 2024 年度合作计划"), "{text}");
    // … the school records the 2024 annual plan with one item and its target …
    b.goto(&format!("{group_path}/annual-plan?year=2024")).await;
    let form = "form[method=post][action$='/annual-plan/2024']";
    b.fill(
        &format!("{form} input[name=title]"),
        "2024 年度校镇村合作计划",
    )
    .await;
    b.submit(form).await;
    assert_eq!(b.query().await, "year=2024&saved=plan_saved");
    let form = "form[method=post][action$='/annual-plan/2024/items']";
    b.select_label(&format!("{form} select[name=area]"), "3 深入融入人才兴镇")
        .await;
    b.fill(
        &format!("{form} textarea[name=text]"),
        "开展乡村医生适宜技术培训",
    )
    .await;
    b.select_label(
        &format!("{form} select[name=target_code]"),
        "（领域 3）培训人数（人）",
    )
    .await;
    b.fill(&format!("{form} input[name=target_amount]"), "120")
        .await;
    b.submit(form).await;
    let items = b.text("#plan-items").await;
    assert!(
        items.contains("开展乡村医生适宜技术培训") && items.contains("培训人数 120 人"),
        "{items}"
    );
    // … and two joint meetings of 2024, the first adopting the plan.
    for (held_on, place, adopts) in [
        ("2024-03-05", "塘厦镇人民政府会议室", true),
        ("2024-09-10", "广东医科大学东莞校区", false),
    ] {
        b.goto(&format!("{group_path}/meetings?year=2024")).await;
        let form = "form[method=post][action$='/meetings']";
        b.set_date(&format!("{form} input[name=held_on]"), held_on)
            .await;
        b.fill(&format!("{form} input[name=place]"), place).await;
        for org in ["塘厦镇", "凤凰岗社区", "广东医科大学", "东莞市电子科技学校"]
        {
            let checkbox = b.checkbox_labelled(form, "orgs", org).await;
            b.tick(&checkbox).await;
        }
        b.fill(
            &format!("{form} textarea[name=people]"),
            "王校长，广东医科大学，副校长\n陈镇长，塘厦镇，镇长",
        )
        .await;
        if adopts {
            b.tick_at(&format!("{form} input[name=adopts_annual_plan]"))
                .await;
        }
        b.submit(form).await;
        assert!(
            b.path()
                .await
                .starts_with(&format!("{group_path}/meetings/"))
        );
        assert!(b.assert_saved_notice().await.contains("联席会议已登记"));
        let adopted = b.text("#adopts").await;
        assert_eq!(adopted.contains("审议通过了本年度"), adopts, "{adopted}");
    }
    let (label, text) = annual_plan_verdict(&b, &group_path).await;
    assert_eq!(label, "符合", "{text}");
    assert!(text.contains("2024-03-05"), "{text}");
    b.sign_out().await;

    // The bureau opens the group's overview for 2024: every rule reads 符合.
    b.sign_in("admin", PASSWORD).await;
    b.goto("/groups").await;
    b.wait_for("table.groups").await;
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    assert_eq!(b.path().await, group_path);
    b.fill("form.filters input[name=year]", "2024").await;
    b.submit("form.filters").await;
    assert_eq!(b.path().await, group_path);
    assert_eq!(b.query().await, "year=2024");
    let heading = b.text("main .page-head h2").await;
    assert!(
        heading.contains("2024 年规则检查") && heading.contains("2024-12-31"),
        "the year 2024 as it ended: {heading}"
    );
    let rows =
        b.c.find_all(Locator::Css("table.verdicts tbody tr"))
            .await
            .unwrap();
    let mut seen = Vec::new();
    for row in &rows {
        let rule = row.attr("data-rule").await.unwrap().unwrap_or_default();
        let text = row.text().await.unwrap();
        // No major matter arose in 2024: 五(一)'s escalation rule has nothing to apply to. The
        // evaluation is HQ's, due by 2025-03-31 and not finalised; publicity only encourages.
        let (status, label) = match rule.as_str() {
            "escalation" => ("not_applicable", "不适用"),
            "evaluation" => ("not_met", "不符合"),
            "publicity" => ("advisory", "倡导"),
            _ => ("met", "符合"),
        };
        assert_eq!(
            row.attr("data-status").await.unwrap().as_deref(),
            Some(status),
            "{rule}: {text}"
        );
        let badge = row.find(Locator::Css("span.badge")).await.unwrap();
        assert_eq!(
            badge.attr("class").await.unwrap().as_deref(),
            Some(format!("badge {status}").as_str())
        );
        assert_eq!(badge.text().await.unwrap(), label, "{rule}: {text}");
        seen.push(rule);
    }
    assert_eq!(seen, GROUP_RULES, "one row per group rule");
    let table = b.text("table.verdicts").await;
    // Only HQ's evaluation of 2024 (never finalised here) reads 不符合; every rule of the group's.
    assert_eq!(
        table.matches("不符合").count(),
        1,
        "no rule of the group's reads 不符合: {table}"
    );
    b.c.set_window_size(1280, 1400).await.unwrap();
    b.screenshot("group-4-2024-all-met-1280px.png").await;

    b.close().await;
    h.stop().await;
}

/// The bureau's `admin`, with the shipped two-factor setting, on a phone: the password leads to
/// the set-up page (a QR code that fits the screen, the secret to type), the first code signs in
/// and shows the ten recovery codes once, and the workspace follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sets_up_the_second_factor_on_a_phone() {
    use xiaodi::domain::totp::{base32_decode, code_at, step_of};
    let Some(h) = Harness::start_with(|c| {
        c.two_factor_roles = xiaodi::config::Config::default().two_factor_roles
    })
    .await
    else {
        return;
    };
    let b = h.browser(390, 844).await;
    b.goto("/login").await;
    b.wait_for("input[name=username]").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", PASSWORD).await;
    b.submit("form[action='/login']").await;
    let qr = b.wait_for(".qr svg").await;
    assert_eq!(b.path().await, "/login/second-factor");
    let (_, _, width, _) = qr.rectangle().await.unwrap();
    assert!(
        width >= 150.0,
        "the QR code is big enough to scan: {width} px"
    );
    let overflow =
        b.c.execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "wider than the phone by {overflow} px"
    );
    b.screenshot("second-factor-setup-390px.png").await;

    let secret = base32_decode(&b.text("code.secret").await).expect("the secret is shown");
    let code = code_at(&secret, step_of(h.now_ms()));
    b.fill("input[name=code]", &code).await;
    b.submit("form[action='/login/second-factor']").await;
    b.wait_for("ol.codes").await;
    assert_eq!(b.count("ol.codes li").await, 10);
    b.screenshot("second-factor-recovery-codes-390px.png").await;
    b.follow("我已保存，继续").await;
    b.wait_for("main h1").await;
    assert_eq!(b.path().await, "/");
    // The bureau's home: the compliance matrix.
    assert!(b.text("main h1").await.contains("合规矩阵"));
    b.close().await;
    h.stop().await;
}

/// A form turned down opens at its error summary, focused and on screen (on a phone too), each
/// problem a link to its field, what was typed kept; following a link puts the cursor in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turned_down_form_opens_at_its_errors() {
    let Some(h) = Harness::start().await else {
        return;
    };
    h.add_user("sys", "系统管理员", "东莞市教育局", "sysadmin")
        .await;
    let b = h.browser(390, 844).await;
    b.goto("/login").await;
    b.sign_in("sys", PASSWORD).await;
    b.goto("/admin/users/new").await;
    b.fill("input[name=username]", "张 三").await;
    b.fill("input[name=display_name]", "张三").await;
    b.fill("input[name=organisation]", "没有这个单位").await;
    b.select_value("select[name=role]", "school").await;
    b.click_and_wait("form[action='/admin/users'] button[type=submit]")
        .await;
    let summary = b.assert_at_error_summary().await;
    assert!(summary.contains("用户名"), "{summary}");
    assert_eq!(
        b.find("input[name=display_name]")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("张三"),
        "what was typed is kept"
    );
    assert_eq!(
        b.find("#f-username")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    b.c.find(Locator::Css("#error-summary a[href='#f-username']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let focused =
        b.c.execute("return document.activeElement.name;", vec![])
            .await
            .unwrap();
    assert_eq!(focused.as_str(), Some("username"));
    b.close().await;
    h.stop().await;
}

/// 合作项目: a school records a project of area 3, adds one progress update with its outcome
/// figures (the fields of the plan file's area 3), and sees them summed on the project page and
/// in the tab's totals per area.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_records_a_project_and_sees_its_figures_totalled() {
    let Some(h) = Harness::start().await else {
        return;
    };
    h.add_user("gdmu", "张老师", "广东医科大学", "school").await;
    let b = h.browser(1280, 900).await;
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    b.goto("/groups").await;
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    // The group's tab (the navigation's 合作项目 is the list across groups).
    let group_path = b.path().await;
    b.goto(&format!("{group_path}/projects")).await;
    let form = "form[method=post][action$='/projects']";
    b.wait_for(form).await;
    b.fill("#f-title", "电子技能培训").await;
    b.select_value("#f-area", "3").await;
    b.select_value("#f-status", "active").await;
    b.select_label("#f-lead", "广东医科大学").await;
    b.set_date("#f-starts_on", "2024-03-01").await;
    b.submit(form).await;
    assert!(b.assert_saved_notice().await.contains("合作项目已登记"));
    assert!(b.text("main h2").await.contains("电子技能培训"));

    // One progress update: the area's figures are asked for by the plan's labels.
    let update = "form[method=post][action$='/updates']";
    b.fill("#f-summary", "第一期电工技能培训").await;
    b.fill("#f-students", "6").await;
    let labels = b.text(&format!("{update} fieldset")).await;
    assert!(
        labels.contains("培训人数（人）") && labels.contains("培训场次（场）"),
        "{labels}"
    );
    b.fill("#f-figures", "40").await;
    b.fill("#f-figure-training_sessions", "2").await;
    b.submit(update).await;
    assert!(b.assert_saved_notice().await.contains("项目进展已登记"));
    let figures = b.text("#project-figures").await;
    assert!(
        figures.contains("培训人数") && figures.contains("40"),
        "{figures}"
    );
    let progress = b.text("table.progress").await;
    assert!(
        progress.contains("培训人数 40 人；培训场次 2 场"),
        "{progress}"
    );

    // The tab's totals per area.
    b.follow("返回项目列表").await;
    let totals = b.text("#totals-area").await;
    assert!(totals.contains("培训人数 40 人"), "{totals}");
    assert!(b.text("table.projects").await.contains("电子技能培训"));
    b.close().await;
    h.stop().await;
}

/// 月度进展报告 (五(三)): a school drafts, fills and submits this month's report; the bureau
/// returns it with a comment from its queue; the school reads the comment, amends and resubmits
/// (已重新提交); the bureau accepts it, and both versions are listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monthly_report_goes_from_draft_to_accepted() {
    let Some(h) = Harness::start().await else {
        return;
    };
    h.add_user("gdmu", "张老师", "广东医科大学", "school").await;
    let b = h.browser(1280, 900).await;
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    b.goto("/").await;
    b.follow("填写本月报告").await;
    let report = b.path().await;
    assert!(b.text("#prefill").await.contains("第 4 组"));
    b.fill("#f-narrative_1", "实践基地完成挂牌").await;
    b.fill("#f-problems", "驻村交通不便").await;
    b.fill("#f-next_plan", "开展义诊两次").await;
    b.submit("#report-form").await;
    assert!(b.assert_saved_notice().await.contains("草稿已保存"));
    b.follow("提交报告…").await;
    b.submit("form[action$='/submit']").await;
    assert!(b.assert_saved_notice().await.contains("已报送市教育局"));
    assert_eq!(b.text("#report-state").await, "已提交");
    b.sign_out().await;

    // The bureau: from its workbench to the queue, and the report returned with a comment.
    b.sign_in("admin", PASSWORD).await;
    b.goto("/").await;
    b.follow("1 份月度进展报告待审核").await;
    assert!(b.text("#report-list").await.contains("广东医科大学"));
    b.follow("广东医科大学").await;
    b.fill("#f-comment", "请补充领域3人才兴镇的进展").await;
    b.submit("form[action$='/return']").await;
    assert!(b.assert_saved_notice().await.contains("已退回"));
    b.sign_out().await;

    // The school reads the comment, amends and resubmits.
    b.sign_in("gdmu", PASSWORD).await;
    b.goto(&report).await;
    assert!(b.text("#review-comment").await.contains("请补充领域3"));
    b.fill("#f-narrative_3", "举办电工技能培训 1 期").await;
    b.submit("#report-form").await;
    b.follow("提交报告…").await;
    b.submit("form[action$='/submit']").await;
    assert_eq!(b.text("#report-state").await, "已重新提交");
    b.sign_out().await;

    // The bureau accepts; both versions stay listed.
    b.sign_in("admin", PASSWORD).await;
    b.goto(&report).await;
    b.submit("form[action$='/accept']").await;
    assert!(b.assert_saved_notice().await.contains("审核通过"));
    assert_eq!(b.text("#report-state").await, "已通过");
    let versions = b.text("#versions").await;
    assert!(
        versions.contains("第 1 版") && versions.contains("第 2 版"),
        "{versions}"
    );
    b.close().await;
    h.stop().await;
}

/// A real 8×8 PNG (red), for an image the browser decodes.
const PNG_8X8: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00\x4b\x6d\x29\xdc\x00\x00\x00\x11\x49\x44\x41\x54\x78\x9c\x63\x38\x21\x27\x87\x15\x31\x0c\x2d\x09\x00\x90\xbf\x41\x01\xb2\x9f\x3e\x22\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// 五(四): a school writes a typical case with an image, the bureau publishes it, anyone reads
/// it logged out (its sharing tags in the page's head, its image); taken down, it is gone from
/// public view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_published_and_read_logged_out() {
    let Some(h) = Harness::start().await else {
        return;
    };
    h.add_user("gdmu", "张老师", "广东医科大学", "school").await;
    let b = h.browser(1280, 900).await;
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    b.goto("/groups").await;
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    b.follow("宣传案例").await;
    let form = "form[method=post][action$='/cases']";
    b.wait_for(form).await;
    b.select_value("#f-kind", "case").await;
    b.select_value("#f-area", "2").await;
    b.fill("#f-title", "医校结对送医下乡").await;
    b.fill("#f-summary", "村民在家门口看上专家门诊。").await;
    b.fill(
        "#f-body",
        "<p>义诊 12 场<img src=x onerror=alert(1)></p><script>alert(2)</script>",
    )
    .await;
    b.submit(form).await;
    assert!(b.assert_saved_notice().await.contains("已保存为草稿"));
    let case = b.path().await;
    // An image for the body: uploaded on the item's page, which gives the code to place it.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("义诊现场.png");
    std::fs::write(&png, PNG_8X8).unwrap();
    b.find("form[action$='/images'] input[type=file]")
        .await
        .send_keys(&png.display().to_string())
        .await
        .unwrap();
    b.submit("form[action$='/images']").await;
    assert!(b.assert_saved_notice().await.contains("已上传"));
    let code = b.text("#images code").await;
    assert!(code.starts_with("<img src=\"/public/cases/"), "{code}");
    b.fill(
        "#f-body",
        &format!(
            "<p>义诊 12 场<img src=x onerror=alert(1)></p><script>alert(2)</script><p>{code}</p>"
        ),
    )
    .await;
    b.submit("form.grid").await;
    assert!(b.assert_saved_notice().await.contains("已保存修改"));
    b.submit("form[action$='/submit']").await;
    assert_eq!(b.text("#case-state").await, "待审核");
    b.sign_out().await;

    b.sign_in("admin", PASSWORD).await;
    b.goto("/cases").await;
    b.follow("医校结对送医下乡").await;
    b.submit("form[action$='/publish']").await;
    assert!(b.assert_saved_notice().await.contains("已审核通过并发布"));
    b.sign_out().await;

    // Logged out: the library lists it and its page reads as an article.
    b.goto("/public/cases").await;
    b.follow("医校结对送医下乡").await;
    assert_eq!(b.text("article h1").await, "医校结对送医下乡");
    assert!(b.text(".case-body").await.contains("义诊 12 场"));
    assert_eq!(b.count(".case-body script, .case-body [onerror]").await, 0);
    // Its image shows to a reader without sign-in (decoded by the browser: 8 pixels wide).
    let width = b
        .c
        .execute(
            "const i = document.querySelector('.case-body img[alt=\"图片说明\"]'); return i ? i.naturalWidth : -1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(8), "the case image logged out");
    let og = b
        .find("meta[property='og:title']")
        .await
        .attr("content")
        .await
        .unwrap();
    assert_eq!(og.as_deref(), Some("医校结对送医下乡"));
    let public = b.path().await;

    // Taken down by the bureau after its confirmation: gone from public view.
    b.goto("/login").await;
    b.sign_in("admin", PASSWORD).await;
    b.goto(&case).await;
    b.follow("撤下该稿件…").await;
    b.submit("form[action$='/unpublish']").await;
    assert_eq!(b.text("#case-state").await, "已撤下");
    b.sign_out().await;
    b.goto("/public/cases").await;
    assert_eq!(b.count("ul.case-list li").await, 0);
    b.goto(&public).await;
    assert!(
        b.text("main").await.contains("不存在"),
        "{public} after it was taken down"
    );
    b.close().await;
    h.stop().await;
}

//! SVG charts drawn on the server (统计图表): no script, no fonts downloaded, crisp at any zoom.
//! Each chart is a `<svg role="img">` named by its `<title>` and `<desc>`; the page puts it in
//! a `<figure>` with the same numbers in a table. Labels never overlap: bars are horizontal, one
//! row per item at a fixed height (a long list makes a taller chart, not a denser one), and a
//! label too long for its column is cut with "…" (the full text in the row's tooltip).

use std::fmt::Write;

/// Chinese first, then the platform's sans-serif.
pub const FONT: &str =
    r#""Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif"#;

const INK: &str = "#1f2937";
const MUTED: &str = "#4b5563";
const GRID: &str = "#d1d5db";
const BAR: &str = "#1f4e8c";
const TARGET: &str = "#b3261e";

/// Text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The width a label takes at 13 px: CJK and full-width characters are square, others about half.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 13.0 } else { 7.5 })
        .sum()
}

/// `s` cut to fit `max` pixels, with "…" when cut.
pub fn fit(s: &str, max: f64) -> String {
    if text_width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 13.0; // the ellipsis
    for c in s.chars() {
        let cw = if (c as u32) >= 0x2E80 { 13.0 } else { 7.5 };
        if w + cw > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// The top of an axis holding `v`: 1, 2 or 5 times a power of ten (at least 1, so a chart of
/// zeros still has a scale).
pub fn nice_max(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// A number as an axis or a label shows it: no decimals when whole.
fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// What names a chart: its element id (ids of the title and desc derive from it), its title and
/// a sentence summarising it for screen readers.
pub struct ChartText {
    pub id: String,
    pub title: String,
    pub desc: String,
}

fn open_svg(out: &mut String, t: &ChartText, width: f64, height: f64) {
    let id = esc(&t.id);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family='{FONT}' font-size="13"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc><rect width="{width}" height="{height}" fill="white"/>"#,
        esc(&t.title),
        esc(&t.desc),
    );
}

/// One bar: a label, a value and, where the item has one, its own target (drawn as a tick).
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub target: Option<f64>,
    /// The words at the bar's end ("67 / 90 天").
    pub note: String,
}

/// A line across every bar at one value ("要求 90 天").
pub struct Threshold {
    pub value: f64,
    pub label: String,
}

const LABEL_W: f64 = 190.0;
const PLOT_W: f64 = 460.0;
const NOTE_W: f64 = 130.0;
const ROW: f64 = 26.0;
const TOP: f64 = 42.0;
const BOTTOM: f64 = 12.0;

/// Horizontal bars, one row per item, on a scale from 0 to a round number above every value
/// and target.
pub fn bar_chart(t: &ChartText, bars: &[Bar], threshold: Option<&Threshold>) -> String {
    let width = 12.0 + LABEL_W + PLOT_W + NOTE_W;
    let rows = bars.len().max(1) as f64;
    let height = TOP + rows * ROW + BOTTOM;
    let top = bars
        .iter()
        .flat_map(|b| [b.value, b.target.unwrap_or(0.0)])
        .chain(threshold.map(|t| t.value))
        .fold(0.0, f64::max);
    let max = nice_max(top);
    let x0 = 8.0 + LABEL_W;
    let x = |v: f64| x0 + (v.max(0.0) / max) * PLOT_W;
    let mut out = String::new();
    open_svg(&mut out, t, width, height);
    // The scale: five steps, gridlines down the plot.
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="{GRID}" stroke-width="1"/><text x="{0:.1}" y="{3}" text-anchor="middle" fill="{MUTED}" font-size="12">{4}</text>"#,
            x(v),
            TOP - 6.0,
            TOP + rows * ROW,
            TOP - 12.0,
            num(v)
        );
    }
    if bars.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{x0}" y="{}" fill="{MUTED}">暂无数据</text>"#,
            TOP + ROW * 0.65
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let _ = write!(
            out,
            r#"<g><title>{}：{}</title><text x="{}" y="{:.1}" text-anchor="end" fill="{INK}">{}</text><rect x="{x0}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{BAR}"/>"#,
            esc(&b.label),
            esc(&b.note),
            x0 - 8.0,
            y + ROW * 0.65,
            esc(&fit(&b.label, LABEL_W - 12.0)),
            y + 5.0,
            x(b.value) - x0,
            ROW - 10.0,
        );
        if let Some(target) = b.target {
            // The item's own target: a short upright tick across its bar.
            let _ = write!(
                out,
                r#"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="{TARGET}" stroke-width="2"/>"#,
                x(target),
                y + 2.0,
                y + ROW - 2.0
            );
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" fill="{INK}">{}</text></g>"#,
            x0 + PLOT_W + 8.0,
            y + ROW * 0.65,
            esc(&b.note)
        );
    }
    if let Some(th) = threshold {
        let _ = write!(
            out,
            // Its words above the scale's numbers, centred on the line.
            r#"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{0:.1}" y="14" text-anchor="middle" fill="{TARGET}" font-size="12">{3}</text>"#,
            x(th.value),
            TOP - 4.0,
            TOP + rows * ROW,
            esc(&th.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// A series of a line chart; told apart by its dash and its marker, not by colour alone.
pub struct Series {
    pub name: String,
    /// One value per category; `None` where there is none (drawn as a gap).
    pub values: Vec<Option<f64>>,
    pub dashed: bool,
    /// Square markers (else round).
    pub square: bool,
}

/// Lines over a few categories (the months of a year) on a 0–`max` scale (`unit` after the
/// axis numbers, e.g. "%").
pub fn line_chart(
    t: &ChartText,
    categories: &[String],
    series: &[Series],
    max: f64,
    unit: &str,
) -> String {
    let step = 56.0;
    let left = 56.0;
    let plot_h = 220.0;
    let top = 48.0;
    let n = categories.len().max(1) as f64;
    let width = (left + n * step + 24.0).max(420.0);
    let height = top + plot_h + 40.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let x = |i: usize| left + step * (i as f64 + 0.5);
    let y = |v: f64| top + plot_h - (v.clamp(0.0, max) / max) * plot_h;
    let mut out = String::new();
    open_svg(&mut out, t, width, height);
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{GRID}"/><text x="{2}" y="{3:.1}" text-anchor="end" fill="{MUTED}" font-size="12">{4}{5}</text>"#,
            y(v),
            left + n * step,
            left - 6.0,
            y(v) + 4.0,
            num(v),
            esc(unit)
        );
    }
    for (i, c) in categories.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{}</text>"#,
            x(i),
            top + plot_h + 20.0,
            esc(&fit(c, step - 4.0))
        );
    }
    if categories.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{:.1}" fill="{MUTED}">暂无数据</text>"#,
            left + 8.0,
            top + plot_h / 2.0
        );
    }
    // The legend, above the plot: each series' line and marker with its name.
    let mut lx = left;
    for s in series {
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<line x1="{lx}" y1="18" x2="{}" y2="18" stroke="{INK}" stroke-width="2"{dash}/>{}<text x="{}" y="22" fill="{INK}">{}</text>"#,
            lx + 28.0,
            marker(lx + 14.0, 18.0, s.square),
            lx + 34.0,
            esc(&s.name)
        );
        lx += 34.0 + text_width(&s.name) + 24.0;
    }
    for s in series {
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        // A run of consecutive values is one polyline; a missing value breaks it.
        let mut run: Vec<String> = Vec::new();
        let flush = |run: &mut Vec<String>, out: &mut String| {
            if run.len() > 1 {
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{INK}" stroke-width="2"{dash}/>"#,
                    run.join(" ")
                );
            }
            run.clear();
        };
        for (i, v) in s.values.iter().enumerate().take(categories.len()) {
            match v {
                Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
                None => flush(&mut run, &mut out),
            }
        }
        flush(&mut run, &mut out);
        for (i, v) in s.values.iter().enumerate().take(categories.len()) {
            if let Some(v) = v {
                let _ = write!(
                    out,
                    "<g><title>{}，{}：{}{}</title>{}</g>",
                    esc(&categories[i]),
                    esc(&s.name),
                    num(*v),
                    esc(unit),
                    marker(x(i), y(*v), s.square)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

fn marker(x: f64, y: f64, square: bool) -> String {
    if square {
        format!(
            r#"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="white" stroke="{INK}" stroke-width="2"/>"#,
            x - 4.0,
            y - 4.0
        )
    } else {
        format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{INK}"/>"#)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(id: &str) -> ChartText {
        ChartText {
            id: id.into(),
            title: "驻点天数".into(),
            desc: "各组驻点天数".into(),
        }
    }

    #[test]
    fn names_are_escaped_in_text_and_attributes() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let svg = bar_chart(
            &text("c1"),
            &[Bar {
                label: "第 1 组 <script>\"镇\"".into(),
                value: 3.0,
                target: None,
                note: "3 & 4".into(),
            }],
            None,
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;&quot;镇&quot;"), "{svg}");
        assert!(svg.contains("3 &amp; 4"));
        // Every tag opened is closed: the document parses as XML in spirit (balanced <g>).
        assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count());
    }

    #[test]
    fn the_scale_is_round_and_bars_are_proportional() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(90.0), 100.0);
        assert_eq!(nice_max(101.0), 200.0);
        assert_eq!(nice_max(250.0), 500.0);
        let svg = bar_chart(
            &text("c2"),
            &[
                Bar {
                    label: "a".into(),
                    value: 50.0,
                    target: Some(90.0),
                    note: "50 / 90 天".into(),
                },
                Bar {
                    label: "b".into(),
                    value: 100.0,
                    target: Some(90.0),
                    note: "100 / 90 天".into(),
                },
            ],
            Some(&Threshold {
                value: 90.0,
                label: "要求 90 天".into(),
            }),
        );
        // Scale 0–100 over PLOT_W: 50 is half the plot, 100 all of it.
        assert!(
            svg.contains(&format!(r#"width="{:.1}""#, PLOT_W / 2.0)),
            "{svg}"
        );
        assert!(svg.contains(&format!(r#"width="{:.1}""#, PLOT_W)), "{svg}");
        assert!(svg.contains("要求 90 天"));
        assert!(svg.contains(r#"role="img" aria-labelledby="c2-title c2-desc""#));
        assert!(svg.contains(r#"<title id="c2-title">驻点天数</title>"#));
    }

    #[test]
    fn no_data_still_draws_a_named_empty_chart() {
        let svg = bar_chart(&text("c3"), &[], None);
        assert!(svg.contains("暂无数据"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let svg = line_chart(&text("c4"), &[], &[], 0.0, "%");
        assert!(svg.contains("暂无数据"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn rows_never_overlap_however_many_there_are() {
        let bars: Vec<Bar> = (0..2000)
            .map(|i| Bar {
                label: format!("第 {i} 组 一个名字很长很长很长的镇街道"),
                value: i as f64,
                target: None,
                note: format!("{i} 天"),
            })
            .collect();
        let svg = bar_chart(&text("c5"), &bars, None);
        let height = TOP + 2000.0 * ROW + BOTTOM;
        assert!(svg.contains(&format!(r#"height="{height}""#)));
        // Long labels are cut to their column, the full text kept in the tooltip.
        assert!(svg.contains("…</text>"));
        assert!(svg.contains("<title>第 7 组 一个名字很长很长很长的镇街道：7 天</title>"));
        assert!(text_width(&fit("一个名字很长很长很长很长很长很长很长的镇街道", 178.0)) <= 178.0);
    }

    #[test]
    fn lines_break_at_missing_values_and_are_told_apart_without_colour() {
        let cats: Vec<String> = (1..=4).map(|m| format!("{m}月")).collect();
        let svg = line_chart(
            &text("c6"),
            &cats,
            &[
                Series {
                    name: "报送率".into(),
                    values: vec![Some(100.0), Some(50.0), None, Some(75.0)],
                    dashed: false,
                    square: false,
                },
                Series {
                    name: "及时率".into(),
                    values: vec![Some(50.0), Some(25.0), None, Some(75.0)],
                    dashed: true,
                    square: true,
                },
            ],
            100.0,
            "%",
        );
        // Two runs per series before the gap; the one value after it is a marker only.
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(r#"stroke-dasharray="6 4""#));
        assert!(svg.contains("<title>2月，及时率：25%</title>"));
        assert!(svg.contains("100%"));
    }
}

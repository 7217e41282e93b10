//! axe-core in the page: every page a browser test visits is checked, and a serious or critical
//! violation fails the test with the rule, its impact, the elements it found and the fix.
//!
//! The engine is the npm package `axe-core` at the version `.ci/run` pins, read from disk (nothing
//! is downloaded while tests run) and injected into the page with WebDriver's execute_script.

use std::path::PathBuf;
use std::sync::OnceLock;

/// Where `axe.min.js` is looked for: `XIAODI_AXE_JS` when set, else the copy `.ci/run` installs
/// with npm into `browser-tests/node_modules`.
fn axe_path() -> PathBuf {
    match std::env::var_os("XIAODI_AXE_JS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
    }
}

/// The engine's source, read once per test binary.
pub fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is needed by the browser tests and is not at {} ({e}); install it with \
                 `npm install --no-save --no-package-lock --prefix browser-tests axe-core@<version>` \
                 as .ci/run does, or point XIAODI_AXE_JS at an axe.min.js",
                path.display()
            )
        })
    })
}

/// Runs axe on the whole document and hands back its serious and critical violations, each
/// with the elements it concerns. Moderate and minor findings are left to people to judge.
pub const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(function (r) {
    done(r.violations
      .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
      .map(function (v) {
        return {
          id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
          nodes: v.nodes.map(function (n) {
            return { target: n.target.map(String).join(' '), summary: n.failureSummary || '' };
          })
        };
      }));
  })
  .catch(function (e) { done({ error: String(e) }); });
"#;

/// One line per rule and one per element, for the test's failure message.
pub fn describe(page: &str, width: i64, violations: &serde_json::Value) -> Option<String> {
    if let Some(error) = violations.get("error") {
        return Some(format!(
            "axe-core could not run on {page} at {width} px: {error}"
        ));
    }
    let list = violations.as_array()?;
    if list.is_empty() {
        return None;
    }
    let nodes: usize = list
        .iter()
        .map(|v| v["nodes"].as_array().map_or(0, Vec::len))
        .sum();
    let mut out = format!(
        "axe-core: {} serious/critical rule(s), {nodes} element(s) on {page} at {width} px",
        list.len()
    );
    for v in list {
        out.push_str(&format!(
            "\n  {} ({}): {} <{}>",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or(""),
            v["helpUrl"].as_str().unwrap_or(""),
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            let summary = n["summary"].as_str().unwrap_or("").replace('\n', " ");
            out.push_str(&format!(
                "\n    - {}: {summary}",
                n["target"].as_str().unwrap_or("?")
            ));
        }
    }
    Some(out)
}

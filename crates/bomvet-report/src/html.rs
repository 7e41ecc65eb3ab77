//! One self-contained HTML file a procurement officer can read, print and file: the verdict first,
//! then every restricted component with its legal basis, citation, evidence and paths, and a
//! picture of the affected part of the graph (inline SVG). No scripts, no network, no external
//! assets; every string from the SBOM is escaped.

use std::fmt::Write as _;

use bomvet_audit::{Code, Finding, Relation, Report, Severity, Status};

use crate::graph::Subgraph;

/// Escapes text for HTML content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if crate::dangerous(c) && c != '\n' && c != '\t' => {
                let _ = write!(o, "\\u{{{:x}}}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

fn link(url: &str, text: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!("<a href=\"{}\">{}</a>", html_escape(url), html_escape(text))
    } else {
        html_escape(text)
    }
}

const CSS: &str = r#"
:root { --block:#b00020; --review:#b26a00; --ctx:#6a4c93; --info:#555; --ok:#1b7a3a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color:#1d1d1f; margin:0; background:#fff; }
main { max-width: 1100px; margin: 0 auto; padding: 0 24px 48px; }
header.verdict { padding: 28px 24px; color:#fff; }
header.verdict.fail { background: var(--block); } header.verdict.pass { background: var(--ok); } header.verdict.error { background:#333; }
header.verdict h1 { margin:0 0 6px; font-size: 28px; } header.verdict p { margin:0; opacity:.92; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 36px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e5e5e5; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f5f5f7; }
article.finding { border: 1px solid #ddd; border-left: 6px solid var(--info); border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
article.finding.block { border-left-color: var(--block); } article.finding.review { border-left-color: var(--review); } article.finding.needs-context { border-left-color: var(--ctx); }
article.finding h3 { margin: 0 0 8px; font-size: 18px; }
.badge { display:inline-block; padding: 1px 8px; border-radius: 10px; color:#fff; font-size: 12px; font-weight: 700; letter-spacing:.04em; vertical-align: middle; }
.badge.block { background: var(--block); } .badge.review { background: var(--review); } .badge.needs-context { background: var(--ctx); } .badge.info { background: var(--info); }
.badge.waived { background: #999; }
dl { display: grid; grid-template-columns: 150px 1fr; gap: 4px 12px; margin: 8px 0; } dt { font-weight: 600; color:#444; } dd { margin: 0; overflow-wrap:anywhere; }
ol.path { margin: 0; padding-left: 20px; } code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.cut { background: #fff4e5; border: 1px solid #f0c36d; padding: 6px 10px; border-radius: 4px; }
figure { margin: 0; overflow-x: auto; border: 1px solid #e5e5e5; border-radius: 6px; padding: 8px; }
footer { color:#666; font-size: 13px; margin-top: 40px; border-top: 1px solid #ddd; padding-top: 8px; }
@media print {
  body { font-size: 11pt; } main { max-width: none; padding: 0; }
  header.verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  article.finding, figure, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; } a[href]::after { content: " <" attr(href) ">"; font-size: 9pt; color: #555; }
}
"#;

fn component(f: &Finding) -> String {
    crate::component_label(f, " ")
}

/// The HTML report.
pub(crate) fn html(report: &Report) -> String {
    let mut o = String::new();
    let v = &report.verdict;
    let restricted: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
        .collect();
    let (class, title) = match v.status {
        Status::Pass => (
            "pass",
            format!("PASS: no finding at or above {}", v.fail_on),
        ),
        Status::Fail => (
            "fail",
            format!("FAIL: {}", crate::fail_title(v).replace('`', "")),
        ),
        Status::Error => (
            "error",
            format!(
                "INCOMPLETE: {} input(s) could not be read",
                report.summary.failed_inputs
            ),
        ),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>bomvet report: {}</title>\n<style>{CSS}</style></head>\n<body>\n<header class=\"verdict {class}\"><h1>{}</h1><p>{} restricted-origin component(s) found in {} component(s) of {} SBOM(s).</p></header>\n<main>\n",
        html_escape(&title),
        html_escape(&title),
        restricted.len(),
        report.summary.components,
        report.summary.inputs
    );

    // Summary.
    o.push_str("<section><h2>What was audited</h2><table><tr><th>SBOM</th><th>Format</th><th>Product</th><th>Components</th><th>Origin known</th><th>Status</th></tr>\n");
    for i in &report.inputs {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&i.source),
            i.format.map(|f| f.as_str()).unwrap_or("-"),
            html_escape(i.spec_version.as_deref().unwrap_or("")),
            html_escape(i.name.as_deref().unwrap_or("")),
            i.components,
            if i.status == "audited" && i.components > 0 {
                format!("{}%", i.origin_coverage_pct)
            } else {
                "-".to_owned()
            },
            html_escape(&match (&i.error, &i.joined_into) {
                (Some(e), _) => format!("{}: {e}", i.status),
                (None, Some(into)) => format!("joined into {into}"),
                (None, None) if i.status == "audited" && i.components == 0 => {
                    "audited: no components, nothing to vet".to_owned()
                }
                (None, None) => i.status.to_owned(),
            })
        );
    }
    o.push_str("</table></section>\n");

    // Findings.
    let _ = writeln!(
        o,
        "<section><h2>Restricted components ({})</h2>",
        restricted.len()
    );
    if restricted.is_empty() {
        o.push_str("<p>No component of restricted origin was found.</p>\n");
    }
    for f in &restricted {
        finding(&mut o, f);
    }
    o.push_str("</section>\n");

    // Graph.
    let g = Subgraph::of(report);
    if !g.nodes.is_empty() {
        o.push_str("<section><h2>Affected part of the dependency graph</h2>\n<p>Products on the left; restricted components outlined in red (block) or amber (review, needs context).</p>\n<figure>");
        o.push_str(&svg(&g));
        o.push_str("</figure></section>\n");
    }

    // Other findings.
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                Code::RestrictedOrigin | Code::RestrictedCountry | Code::UnknownOrigin
            )
        })
        .collect();
    let unknown = report
        .findings
        .iter()
        .filter(|f| f.code == Code::UnknownOrigin)
        .count();
    o.push_str("<section><h2>Other findings</h2>\n");
    let _ = writeln!(
        o,
        "<p>{unknown} component(s) name no supplier, manufacturer, publisher, originator, author, purl namespace or CPE vendor (unknown origin); the JSON report lists them.</p>"
    );
    if !others.is_empty() {
        o.push_str("<table><tr><th>Severity</th><th>Code</th><th>Message</th></tr>\n");
        for f in others.iter().take(200) {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                f.severity.as_str(),
                f.code.as_str(),
                html_escape(&f.message)
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("</section>\n");

    let _ = write!(
        o,
        "<footer>{} {} · policy: {}{} · sources: {}{}</footer>\n</main>\n</body></html>\n",
        html_escape(&report.tool.name),
        html_escape(&report.tool.version),
        html_escape(&report.tool.policy),
        report
            .tool
            .policy_date
            .as_deref()
            .map(|d| format!(" (facts of {})", html_escape(d)))
            .unwrap_or_default(),
        html_escape(&report.tool.policy_sources.join(", ")),
        report
            .timestamp
            .as_deref()
            .map(|t| format!(" · generated {}", html_escape(t)))
            .unwrap_or_default()
    );
    o
}

fn finding(o: &mut String, f: &Finding) {
    let sev = f.severity.as_str();
    let entity = f
        .entity
        .as_ref()
        .map_or_else(|| "country of origin".to_owned(), |e| e.name.clone());
    let _ = writeln!(
        o,
        "<article class=\"finding {sev}\"><h3><span class=\"badge {sev}\">{}</span>{} {} &mdash; {}</h3>",
        sev.to_uppercase(),
        if f.waiver.is_some() { " <span class=\"badge waived\">WAIVED</span>" } else { "" },
        html_escape(&component(f)),
        html_escape(&entity)
    );
    o.push_str("<dl>");
    let _ = write!(o, "<dt>Finding</dt><dd>{}</dd>", html_escape(&f.message));
    let _ = write!(
        o,
        "<dt>Component</dt><dd><code>{}</code> in <code>{}</code>{}{}</dd>",
        html_escape(&f.component.id),
        html_escape(f.component.file(&f.source)),
        f.component
            .line
            .map(|l| format!(", line {l}"))
            .unwrap_or_default(),
        f.component
            .purl
            .as_deref()
            .map(|p| format!("<br><code>{}</code>", html_escape(p)))
            .unwrap_or_default()
    );
    let where_ = match f.relation {
        Some(Relation::Root) => "the product itself".to_owned(),
        Some(Relation::Direct) => "a direct component of the product".to_owned(),
        Some(Relation::Transitive) => format!("embedded {} levels below the product", f.depth()),
        None => "not reachable from a product".to_owned(),
    };
    let _ = write!(o, "<dt>Where</dt><dd>{where_}");
    if f.reachable_at_runtime == Some(false) {
        o.push_str("; only through development, build, test or optional dependencies");
    }
    o.push_str("</dd>");
    if !f.path_names.is_empty() {
        o.push_str("<dt>Path</dt><dd><ol class=\"path\">");
        for n in &f.path_names {
            let _ = write!(o, "<li>{}</li>", html_escape(n));
        }
        o.push_str("</ol>");
        if let Some(n) = f.path_count.filter(|&n| n > 1) {
            let _ = write!(o, "{n} distinct paths in all.");
        }
        o.push_str("</dd>");
    }
    for rp in &f.via_roots {
        if let Some(only) = &rp.only_through {
            let _ = write!(
                o,
                "<dt>Remedy</dt><dd class=\"cut\">Reached only through <code>{}</code>: removing or replacing it removes this component from <code>{}</code>.</dd>",
                html_escape(only),
                html_escape(&rp.root)
            );
        }
    }
    if let Some(d) = &f.dependents {
        let _ = write!(
            o,
            "<dt>Impact</dt><dd>{} component(s) depend on it, {} directly.</dd>",
            d.total, d.direct
        );
    }
    if let Some(w) = &f.waiver {
        let _ = write!(
            o,
            "<dt>Waiver</dt><dd>approved by {} until {}: {}</dd>",
            html_escape(&w.approver),
            html_escape(&w.expires),
            html_escape(&w.reason)
        );
    }
    o.push_str("</dl>\n<h4>Legal basis</h4><table><tr><th style=\"width:110px\">Outcome</th><th>Instrument</th><th>Citation</th><th>Note</th></tr>\n");
    // Instruments that apply first, most severe first; those that do not apply last.
    let mut rules: Vec<_> = f.rules.iter().collect();
    rules.sort_by_key(|r| (std::cmp::Reverse(r.applies), std::cmp::Reverse(r.severity)));
    for r in rules {
        let outcome = if r.applies {
            r.severity.as_str()
        } else {
            "does not apply"
        };
        let _ = writeln!(
            o,
            "<tr><td>{outcome}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            match &r.url {
                Some(u) => link(u, &r.title),
                None => html_escape(&r.title),
            },
            html_escape(r.citation.as_deref().unwrap_or("")),
            html_escape(r.note.as_deref().unwrap_or(""))
        );
    }
    o.push_str("</table>\n<h4>Evidence</h4><table><tr><th>Field</th><th>Value</th><th>Matched</th><th>Confidence</th></tr>\n");
    for e in &f.evidence {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{} <code>{}</code></td><td>{}</td></tr>",
            html_escape(&e.field),
            html_escape(&e.value),
            e.identifier.as_str(),
            html_escape(&e.matched),
            e.confidence.as_str()
        );
    }
    o.push_str("</table>\n");
    for c in &f.caps {
        let _ = writeln!(o, "<p><em>Severity lowered:</em> {}</p>", html_escape(c));
    }
    o.push_str("</article>\n");
}

/// A layered drawing: products in the first column, each further column one step deeper.
fn svg(g: &Subgraph) -> String {
    const W: usize = 210;
    const H: usize = 38;
    const GAP_X: usize = 60;
    const GAP_Y: usize = 18;
    let max_layer = g.nodes.iter().map(|n| n.layer).max().unwrap_or(0);
    let mut rows = vec![0usize; max_layer + 1];
    let mut pos = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let r = rows[n.layer];
        rows[n.layer] += 1;
        pos.push((20 + n.layer * (W + GAP_X), 20 + r * (H + GAP_Y)));
    }
    let width = 40 + (max_layer + 1) * (W + GAP_X);
    let height = 40 + rows.iter().max().copied().unwrap_or(1) * (H + GAP_Y);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"affected dependency graph\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    o.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#888\"/></marker></defs>");
    for (a, b) in &g.edges {
        let (ax, ay) = pos[*a];
        let (bx, by) = pos[*b];
        let (x1, y1, x2, y2) = (ax + W, ay + H / 2, bx, by + H / 2);
        let mid = (x1 + x2) / 2;
        let _ = write!(
            o,
            "<path d=\"M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}\" fill=\"none\" stroke=\"#999\" stroke-width=\"1.3\" marker-end=\"url(#arrow)\"/>"
        );
    }
    for (n, (x, y)) in g.nodes.iter().zip(&pos) {
        let (stroke, fill, width) = match n.severity {
            Some(Severity::Block) => ("#b00020", "#fdecee", 3),
            Some(Severity::Review | Severity::NeedsContext) => ("#b26a00", "#fff4e5", 3),
            Some(Severity::Info) => ("#555", "#f3f3f3", 2),
            None if n.root => ("#1d1d1f", "#eef3fb", 2),
            None => ("#888", "#fff", 1),
        };
        let mut label: String = n.label.chars().take(28).collect();
        if n.label.chars().count() > 28 {
            label.push('…');
        }
        let _ = write!(
            o,
            "<g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            html_escape(&format!("{} ({})", n.label, n.id)),
            x + W / 2,
            y + H / 2 + 4,
            html_escape(&label)
        );
    }
    o.push_str("</svg>");
    o
}

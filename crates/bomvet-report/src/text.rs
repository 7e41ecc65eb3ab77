//! JUnit XML, Markdown and CSV, each escaped for its format.

use std::fmt::Write as _;

use bomvet_audit::{Code, Finding, Report};

/// Escapes text for XML 1.0 content and attributes; characters XML 1.0 cannot carry (most
/// control characters) become visible `\u{..}` escapes.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if crate::dangerous(c) || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(o, "\\u{{{:x}}}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

fn component(f: &Finding) -> String {
    crate::component_label(f, "@")
}

/// JUnit XML: a test suite per input; each restricted finding is a test case that fails when it
/// gates, is skipped when waived, passes otherwise; an unreadable input is an errored case.
pub(crate) fn junit(report: &Report) -> String {
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = report.inputs.len();
    // An input that fails the gate by itself (no components, too much of unknown origin) fails
    // its `read` case, so that a CI view of the cases agrees with the exit code.
    let gate_failure = |source: &str| {
        crate::input_failures(&report.verdict)
            .find(|&(s, ..)| s == source)
            .map(|(_, kind, why)| (kind, why))
    };
    let gate_failures = report
        .inputs
        .iter()
        .filter(|i| gate_failure(&i.source).is_some())
        .count();
    let _ = writeln!(
        o,
        "<testsuites name=\"bomvet\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        report
            .findings
            .iter()
            .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
            .count()
            + total,
        report.verdict.gating_findings + gate_failures,
        report.summary.failed_inputs
    );
    for input in &report.inputs {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.source == input.source)
            .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
            .collect();
        let failures = findings.iter().filter(|f| f.gates).count()
            + usize::from(gate_failure(&input.source).is_some());
        let errors = usize::from(input.status == "failed");
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
            xml_escape(&input.source),
            findings.len() + 1
        );
        let _ = write!(
            o,
            "    <testcase classname=\"bomvet.input\" name=\"read {}\"",
            xml_escape(&input.source)
        );
        match &input.error {
            Some(e) if input.status == "failed" => {
                let _ = writeln!(
                    o,
                    ">\n      <error message=\"{}\" type=\"unreadable\"/>\n    </testcase>",
                    xml_escape(e)
                );
            }
            _ => match gate_failure(&input.source) {
                Some((kind, why)) => {
                    // Plain text: no Markdown backticks in a CI dashboard's message.
                    let _ = writeln!(
                        o,
                        ">\n      <failure message=\"{}\" type=\"{kind}\"/>\n    </testcase>",
                        xml_escape(&why.replace('`', ""))
                    );
                }
                None => o.push_str("/>\n"),
            },
        }
        for f in findings {
            let name = format!(
                "{} ({})",
                component(f),
                f.entity
                    .as_ref()
                    .map_or("country rule", |e| e.name.as_str())
            );
            let _ = write!(
                o,
                "    <testcase classname=\"bomvet.{}\" name=\"{}\"",
                f.code.as_str(),
                xml_escape(&name)
            );
            let detail = format!(
                "{}\npath: {}\nevidence: {}\nlegal basis: {}",
                f.message,
                f.path.join(" -> "),
                f.evidence
                    .iter()
                    .map(|e| format!("{} = {} ({})", e.field, e.value, e.matched))
                    .collect::<Vec<_>>()
                    .join("; "),
                f.legal_basis()
                    .map(|r| r.citation.clone().unwrap_or_else(|| r.title.clone()))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            if let Some(w) = &f.waiver {
                let _ = writeln!(
                    o,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml_escape(&format!(
                        "waived by {} until {}: {}",
                        w.approver, w.expires, w.reason
                    ))
                );
            } else if f.gates {
                let _ = writeln!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml_escape(&f.message),
                    f.severity.as_str(),
                    xml_escape(&detail)
                );
            } else {
                let _ = writeln!(
                    o,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml_escape(&format!("{}: {detail}", f.severity))
                );
            }
        }
        o.push_str("  </testsuite>\n");
    }
    o.push_str("</testsuites>\n");
    o
}

/// Escapes text for Markdown: ASCII punctuation is backslash-escaped, `<` and `>` become
/// entities, and line breaks and control characters become spaces, so a component name can
/// neither format, link, nor break a table.
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '|' => o.push_str("&#124;"),
            c if crate::dangerous(c) => o.push(' '),
            c if c.is_ascii_punctuation() => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

/// Markdown for pull-request comments: the verdict, a table of restricted findings, details.
pub(crate) fn markdown(report: &Report) -> String {
    let mut o = String::new();
    let v = &report.verdict;
    let verdict = match v.status {
        bomvet_audit::Status::Pass => format!("**PASS**: no finding at or above `{}`", v.fail_on),
        bomvet_audit::Status::Fail => {
            // Counts and the threshold's name only: nothing to escape.
            format!("**FAIL**: {}", crate::fail_title(v))
        }
        bomvet_audit::Status::Error => format!(
            "**ERROR**: {} input(s) could not be read",
            report.summary.failed_inputs
        ),
    };
    let _ = writeln!(o, "## bomvet: {verdict}\n");
    let s = &report.summary;
    let _ = writeln!(
        o,
        "{} input(s), {} component(s): {} matched, {} cleared, {} of unknown origin. Policy: {}{}.\n",
        s.inputs,
        s.components,
        s.origin.matched,
        s.origin.cleared,
        s.origin.unknown,
        md_escape(&report.tool.policy),
        report
            .tool
            .policy_date
            .as_deref()
            .map(|d| format!(" (facts of {d})"))
            .unwrap_or_default()
    );
    let mut listed = false;
    // Every input not audited, with why: a filed report names what it did not look at.
    for input in &report.inputs {
        let what = match input.status {
            "failed" => "could not be read",
            "skipped" => "skipped",
            _ => continue,
        };
        let why = crate::not_audited_reason(input);
        let _ = writeln!(
            o,
            "- {}: {what}: {}",
            md_escape(&input.source),
            md_escape(why)
        );
        listed = true;
    }
    for (src, _, why) in crate::input_failures(v) {
        let _ = writeln!(o, "- {}: {why}", md_escape(src));
        listed = true;
    }
    if listed {
        o.push('\n');
    }
    let restricted: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
        .collect();
    if restricted.is_empty() {
        o.push_str("No component of restricted origin found.\n");
    } else {
        o.push_str("| Severity | Component | Entity | Where | Legal basis | File |\n|---|---|---|---|---|---|\n");
        for f in &restricted {
            let basis: Vec<String> = f
                .legal_basis()
                .map(|r| md_escape(r.citation.as_deref().unwrap_or(&r.title)))
                .collect();
            let sev = format!(
                "{}{}",
                f.severity.as_str(),
                if f.waiver.is_some() { " (waived)" } else { "" }
            );
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                sev,
                md_escape(&component(f)),
                md_escape(
                    f.entity
                        .as_ref()
                        .map_or("country rule", |e| e.name.as_str())
                ),
                md_escape(&f.path_names.join(" → ")),
                if basis.is_empty() {
                    "information only".to_owned()
                } else {
                    basis.join("; ")
                },
                match &f.component.written_in {
                    Some(w) => format!("{} (written in {})", md_escape(&f.source), md_escape(w)),
                    None => md_escape(&f.source),
                }
            );
        }
        o.push_str("\n<details><summary>Evidence</summary>\n\n");
        for f in &restricted {
            let _ = writeln!(
                o,
                "- **{}**: {}",
                md_escape(&component(f)),
                md_escape(&f.message)
            );
            for e in &f.evidence {
                let _ = writeln!(
                    o,
                    "  - {} \\= {} matches {} {} ({})",
                    md_escape(&e.field),
                    md_escape(&e.value),
                    e.identifier.as_str(),
                    md_escape(&e.matched),
                    e.confidence.as_str()
                );
            }
        }
        o.push_str("\n</details>\n");
    }
    let other = report
        .findings
        .iter()
        .filter(|f| !matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
        .count();
    if other > 0 {
        let _ = writeln!(o, "\n{other} other finding(s) (unknown origin, graph problems, waivers): see the full report.");
    }
    o
}

/// Neutralises spreadsheet formulas: a cell that starts with `=`, `+`, `-`, `@`, tab or
/// carriage return is prefixed with `'` (OWASP CSV injection).
/// Control and bidirectional characters become visible `\u{..}` escapes too.
pub fn csv_cell(s: &str) -> String {
    let s = crate::inert(s);
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.into_owned(),
    }
}

/// CSV for spreadsheets: one row per finding.
///
/// # Errors
/// Only I/O errors of the writer.
pub(crate) fn csv(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let header = [
        "severity",
        "code",
        "source",
        "component_ref",
        "component",
        "purl",
        "entity",
        "confidence",
        "relation",
        "path",
        "legal_basis",
        "waived",
        "baseline",
        "fingerprint",
        "message",
        "written_in",
    ];
    w.write_record(header).map_err(std::io::Error::other)?;
    for f in &report.findings {
        let row = [
            f.severity.as_str().to_owned(),
            f.code.as_str().to_owned(),
            f.source.clone(),
            f.component.id.clone(),
            component(f),
            f.component.purl.clone().unwrap_or_default(),
            f.entity.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
            f.confidence
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            f.relation
                .map(|r| format!("{r:?}").to_lowercase())
                .unwrap_or_default(),
            f.path.join(" > "),
            f.legal_basis()
                .map(|r| r.citation.clone().unwrap_or_else(|| r.title.clone()))
                .collect::<Vec<_>>()
                .join("; "),
            f.waiver
                .as_ref()
                .map(|w| format!("until {}", w.expires))
                .unwrap_or_default(),
            f.baseline
                .map(|b| format!("{b:?}").to_lowercase())
                .unwrap_or_default(),
            f.fingerprint.clone(),
            f.message.clone(),
            f.component.written_in.clone().unwrap_or_default(),
        ];
        w.write_record(row.iter().map(|c| csv_cell(c)))
            .map_err(std::io::Error::other)?;
    }
    w.flush()
}

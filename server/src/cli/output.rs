//! The output formats of `mailflow check`. Text from the checked files (names, values,
//! paths) has its control characters escaped in every format (`escape`), and a run that
//! could not do all of its job says so in each.

use annotate_snippets::{AnnotationKind, Element, Level, Origin, Renderer, Snippet};
use serde_json::{json, Value};

use super::escape::{self, line_start_path, visible, visible_except};
use super::fix::Held;
use super::{plural, FileReport, Format, Trouble};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules;
use crate::text::{is_drive, uri_segment, Position, Span};

/// How a report is written beyond its findings: in colour or not, and where the pages of the
/// codes are (SARIF links each rule to its page when set).
pub struct Style<'a> {
    pub color: bool,
    pub docs_url: Option<&'a str>,
}

impl Style<'static> {
    /// No colour, no links: a report said in passing (after `import`, before `export`).
    pub const PLAIN: Style<'static> = Style { color: false, docs_url: None };
}

pub fn render(format: Format, reports: &[FileReport], troubles: &[Trouble], style: &Style) -> String {
    report(format, reports, troubles, None, style)
}

/// The report after `--fix`, with what it held back: JSON carries it (`fixesHeldBack`), the
/// other formats leave it to the lines on standard error (`fix::Held::line`).
pub fn render_fixed(
    format: Format,
    reports: &[FileReport],
    troubles: &[Trouble],
    held: &[Held],
    style: &Style,
) -> String {
    report(format, reports, troubles, Some(held), style)
}

fn report(
    format: Format,
    reports: &[FileReport],
    troubles: &[Trouble],
    held: Option<&[Held]>,
    style: &Style,
) -> String {
    match format {
        Format::Json => pretty(&json_document(reports, troubles, held)),
        Format::Sarif => pretty(&sarif(reports, troubles, style.docs_url)),
        Format::Human | Format::Concise | Format::Github => {
            let mut stream = Stream::new(format, style).expect("a format of lines streams");
            let mut out: String = reports.iter().map(|report| stream.file(report)).collect();
            out.push_str(&stream.end(troubles));
            out
        }
    }
}

/// A report of lines (human, concise, GitHub) written file by file, each file's part as soon
/// as the file is checked, so that nothing of a file need be kept once its part is written;
/// then the end, which counts what every file had.
pub struct Stream {
    format: Format,
    renderer: Renderer,
    files: usize,
    counts: Counts,
}

impl Stream {
    /// `None` for JSON and SARIF, which are one document each, written whole at the end.
    pub fn new(format: Format, style: &Style) -> Option<Stream> {
        let renderer = if style.color { Renderer::styled() } else { Renderer::plain() };
        matches!(format, Format::Human | Format::Concise | Format::Github).then(|| Stream {
            format,
            renderer,
            files: 0,
            counts: Counts::default(),
        })
    }

    /// The part of the report on one file.
    pub fn file(&mut self, report: &FileReport) -> String {
        self.files += 1;
        self.counts.add(&report.diagnostics);
        match self.format {
            Format::Human => human(report, &self.renderer),
            Format::Concise => concise(report),
            _ => github(report),
        }
    }

    /// The end of the report: the summary line, or for GitHub a command for each problem
    /// that kept mailflow from doing all of its job.
    pub fn end(&self, troubles: &[Trouble]) -> String {
        match self.format {
            Format::Github => github_troubles(troubles),
            _ => summary_line(self.files, &self.counts, troubles),
        }
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
    text.push('\n');
    escape::json(text)
}

fn each(reports: &[FileReport]) -> impl Iterator<Item = (&FileReport, &Diagnostic)> {
    reports.iter().flat_map(|report| report.diagnostics.iter().map(move |d| (report, d)))
}

fn start_end(report: &FileReport, span: Span) -> (Position, Position) {
    let lines = &report.lines;
    (lines.position(&report.text, span.start), lines.position(&report.text, span.end))
}

#[derive(Default)]
struct Counts {
    errors: usize,
    warnings: usize,
    hints: usize,
    fixable: usize,
}

impl Counts {
    fn add(&mut self, diagnostics: &[Diagnostic]) {
        for diagnostic in diagnostics {
            match diagnostic.severity() {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Hint => self.hints += 1,
            }
            self.fixable += usize::from(diagnostic.fix.is_some());
        }
    }
}

/// The last line of the human and concise reports on `files` files whose findings are
/// `c`; "All good" only when mailflow did all of its job.
fn summary_line(files: usize, c: &Counts, troubles: &[Trouble]) -> String {
    let files = plural(files, "file", "files");
    let incomplete = format!(
        "mailflow could not do all of its job ({}, said on stderr).",
        plural(troubles.len(), "problem", "problems")
    );
    if c.errors + c.warnings + c.hints == 0 {
        if !troubles.is_empty() {
            return format!("Nothing found in {files} checked, but {incomplete}\n");
        }
        return format!("All good: {files} checked, nothing found.\n");
    }
    let mut line = format!(
        "Found {}, {}, {} in {files}.",
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
        plural(c.hints, "hint", "hints")
    );
    if c.fixable > 0 {
        line.push_str(&format!(" {} can be fixed automatically.", c.fixable));
    }
    if !troubles.is_empty() {
        line.push(' ');
        line.push_str(&incomplete);
    }
    line.push('\n');
    line
}

fn human(report: &FileReport, renderer: &Renderer) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        out.push_str(&human_one(report, diagnostic, renderer));
        out.push_str("\n\n");
    }
    out
}

/// A place a finding shows: its own span (`primary`) or a related one, with its label and
/// the lines it is on.
struct Place<'a> {
    primary: bool,
    span: Span,
    label: &'a str,
    first: usize,
    last: usize,
}

/// The longest line a snippet shows (in bytes): a longer one is wider than any terminal, and
/// showing a line of a file written on one line for each of its findings read the file
/// again for each. Such a place is shown by its line and column.
const MAX_SHOWN_LINE: usize = 4096;

/// How many lines apart two places of a finding may be and still share a snippet.
const SHARED_WINDOW_GAP: usize = 12;

/// One finding as rustc shows one: the header, the source lines with the span underlined,
/// related places labelled, and a pointer to the code's page.
fn human_one(report: &FileReport, diagnostic: &Diagnostic, renderer: &Renderer) -> String {
    let lines = &report.lines;
    let text = &report.text;
    let path = visible(&report.path);
    let labels: Vec<_> = diagnostic.related.iter().map(|related| visible(&related.message)).collect();
    let places = std::iter::once((diagnostic.span, diagnostic.rule.name))
        .chain(diagnostic.related.iter().zip(&labels).map(|(related, label)| (related.span, label.as_ref())));
    let mut places: Vec<Place> = places
        .enumerate()
        .map(|(index, (span, label))| {
            let last = lines.line_of(span.end.max(span.start + 1) - 1).min(lines.line_count() - 1);
            Place { primary: index == 0, span, label, first: lines.line_of(span.start).min(last), last }
        })
        .collect();
    places.sort_by_key(|place| (place.first, !place.primary));
    // Places close together share a snippet, showing the lines from the first to the last;
    // places far apart get a snippet each, so that a finding's snippets hold the lines around
    // its places and not the whole file between them.
    let mut windows: Vec<Vec<Place>> = Vec::new();
    for place in places {
        match windows.last_mut() {
            Some(window) if place.first <= window.iter().map(|p| p.last).max().unwrap_or(0) + SHARED_WINDOW_GAP => {
                window.push(place)
            }
            _ => windows.push(vec![place]),
        }
    }
    // The finding's own place first, as rustc puts its primary span.
    windows.sort_by_key(|window| !window.iter().any(|place| place.primary));
    let sources: Vec<_> = windows
        .iter()
        .map(|window| {
            let first = window.iter().map(|p| p.first).min().unwrap_or(0);
            let last = window.iter().map(|p| p.last).max().unwrap_or(0);
            let too_long = (first..=last).any(|line| lines.line_text(text, line).len() > MAX_SHOWN_LINE);
            let window_start = lines.line_start(first);
            let window_end = (lines.line_start(last) + lines.line_text(text, last).len()).max(window_start);
            let source = (!too_long).then(|| escape::snippet_source(&text[window_start..window_end]));
            (first, window_start, window_end, source)
        })
        .collect();
    let elements = windows.iter().zip(&sources).flat_map(|(window, (first, window_start, window_end, source))| {
        let Some((source, moved)) = source else {
            // Lines too long to show (a file written on one line): where each place is, and
            // the related places' labels.
            let mut elements: Vec<Element> = Vec::new();
            for place in window {
                let at = lines.position(text, place.span.start);
                elements.push(Origin::path(path.as_ref()).line(at.line).char_column(at.column).into());
                if !place.primary {
                    elements.push(Level::NOTE.message(place.label).into());
                }
            }
            return elements;
        };
        let local = |span: Span| {
            let start = span.start.clamp(*window_start, *window_end) - window_start;
            let end = span.end.clamp(*window_start, *window_end) - window_start;
            moved(start)..moved(end.max(start))
        };
        // The renderer adds the line and column of the primary annotation to the path.
        let mut snippet = Snippet::source(source.as_ref()).line_start(first + 1).path(path.as_ref()).fold(true);
        for place in window {
            let kind = if place.primary { AnnotationKind::Primary } else { AnnotationKind::Context };
            snippet = snippet.annotation(kind.span(local(place.span)).label(place.label));
        }
        vec![snippet.into()]
    });
    // Each severity in the colour of the renderer's nearest level, under the name every other
    // format gives it (a hint is not rustc's `help`, which the fix line below is).
    let level = match diagnostic.severity() {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Hint => Level::HELP,
    }
    .with_name(diagnostic.severity().as_str());
    let message = visible(&diagnostic.message);
    let mut group = level.primary_title(message.as_ref()).id(diagnostic.code()).elements(elements);
    if let Some(fix) = &diagnostic.fix {
        let how = if fix.safe { "--fix" } else { "--fix --unsafe-fixes" };
        group = group.element(Level::HELP.message(format!("{} (mailflow check {how})", visible(&fix.title))));
    }
    group = group.element(Level::NOTE.message(format!("see `mailflow explain {}`", diagnostic.code())));
    renderer.render(&[group])
}

fn concise(report: &FileReport) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let (start, _) = start_end(report, diagnostic.span);
        out.push_str(&format!(
            "{}:{}:{}: {} {} [{}] {}\n",
            line_start_path(&report.path),
            start.line,
            start.column,
            diagnostic.severity().as_str(),
            diagnostic.code(),
            diagnostic.rule.name,
            visible(&diagnostic.message)
        ));
    }
    out
}

fn range_json(report: &FileReport, span: Span) -> Value {
    let (start, end) = start_end(report, span);
    json!({
        "start": {"line": start.line, "column": start.column},
        "end": {"line": end.line, "column": end.column},
    })
}

/// The machine-readable document: version 1, 1-based lines and columns (columns count
/// Unicode characters); `errors` lists what kept mailflow from doing all of its job, and
/// with `--fix`, `fixesHeldBack` the fixes not applied.
fn json_document(reports: &[FileReport], troubles: &[Trouble], held: Option<&[Held]>) -> Value {
    let diagnostics: Vec<Value> = each(reports)
        .map(|(report, diagnostic)| {
            json!({
                "code": diagnostic.code(),
                "name": diagnostic.rule.name,
                "severity": diagnostic.severity().as_str(),
                "message": diagnostic.message,
                "file": report.path,
                "range": range_json(report, diagnostic.span),
                "related": diagnostic.related.iter().map(|related| json!({
                    "message": related.message,
                    "file": report.path,
                    "range": range_json(report, related.span),
                })).collect::<Vec<_>>(),
                "fixable": diagnostic.fix.is_some(),
            })
        })
        .collect();
    let mut c = Counts::default();
    reports.iter().for_each(|report| c.add(&report.diagnostics));
    let mut document = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "files": reports.len(),
            "errors": c.errors,
            "warnings": c.warnings,
            "hints": c.hints,
            "fixable": c.fixable,
        },
        "errors": troubles.iter().map(|trouble| json!({
            "file": trouble.file,
            "message": trouble.message,
        })).collect::<Vec<_>>(),
    });
    if let Some(held) = held {
        document["fixesHeldBack"] = held.iter().map(held_json).collect();
    }
    document
}

/// A fix `--fix` held back: the file, the finding (code, message, and line and column where
/// it remains, else null), the fix's title and why; the finding's fields are null when every
/// fix of the file was held back.
fn held_json(held: &Held) -> Value {
    let finding = held.finding.as_ref();
    let position = finding.and_then(|f| f.position);
    json!({
        "file": held.path,
        "code": finding.map(|f| f.code),
        "message": finding.map(|f| &f.message),
        "fix": finding.map(|f| &f.fix),
        "line": position.map(|p| p.line),
        "column": position.map(|p| p.column),
        "reason": held.reason,
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "note",
    }
}

fn sarif_region(report: &FileReport, span: Span) -> Value {
    let (start, end) = start_end(report, span);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// The base of the relative paths in a SARIF log: the folder mailflow ran in.
const SRCROOT: &str = "%SRCROOT%";

/// A path, as reports show it, as a SARIF `artifactLocation`: `/` and `\` both separate its
/// segments; an absolute path is a `file:` URI (`/srv/x` as `file:///srv/x`, `C:\x` as
/// `file:///C:/x`, `\\server\share` as `file:////server/share`), a relative one a relative
/// reference from [`SRCROOT`].
fn artifact_location(path: &str) -> Value {
    let segments: Vec<&str> = path.split(['/', '\\']).collect();
    let joined = |segments: &[&str]| segments.iter().map(|s| uri_segment(s)).collect::<Vec<_>>().join("/");
    match segments.as_slice() {
        ["", ..] => json!({"uri": format!("file://{}", joined(&segments))}),
        [drive, rest @ ..] if is_drive(drive) => json!({"uri": format!("file:///{drive}/{}", joined(rest))}),
        _ => json!({"uri": joined(&segments), "uriBaseId": SRCROOT}),
    }
}

/// Where [`SRCROOT`] is: the current folder as a `file:` URI ending in `/`, when it can be
/// read.
fn original_uri_base_ids() -> Option<Value> {
    let folder = std::env::current_dir().ok()?;
    let mut location = artifact_location(&folder.to_string_lossy());
    let uri = location["uri"].as_str()?.trim_end_matches('/').to_owned() + "/";
    location["uri"] = json!(uri);
    Some(json!({ SRCROOT: location }))
}

/// SARIF 2.1.0 as GitHub code scanning reads it: every rule with its name and help (and its
/// page, `helpUri`, when there is a docs URL), every result with its rule, level and region,
/// and the invocation: successful, or not with a notification for each problem that kept
/// mailflow from doing all of its job.
fn sarif(reports: &[FileReport], troubles: &[Trouble], docs_url: Option<&str>) -> Value {
    let rules_json: Vec<Value> = rules::ALL
        .iter()
        .map(|rule| {
            let mut rule_json = json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": sarif_level(rule.severity)},
                "properties": {"tags": ["mail-flow"]},
            });
            if let Some(docs_url) = docs_url {
                rule_json["helpUri"] = json!(rules::page_url(docs_url, rule.code));
            }
            rule_json
        })
        .collect();
    let results: Vec<Value> = each(reports)
        .map(|(report, diagnostic)| {
            let rule_index = rules::ALL.iter().position(|rule| std::ptr::eq(*rule, diagnostic.rule));
            let location = |span: Span| {
                json!({"physicalLocation": {
                    "artifactLocation": artifact_location(&report.path),
                    "region": sarif_region(report, span),
                }})
            };
            json!({
                "ruleId": diagnostic.code(),
                "ruleIndex": rule_index,
                "level": sarif_level(diagnostic.severity()),
                "message": {"text": diagnostic.message},
                "locations": [location(diagnostic.span)],
                "relatedLocations": diagnostic.related.iter().enumerate().map(|(id, related)| {
                    let mut related_location = location(related.span);
                    related_location["id"] = json!(id);
                    related_location["message"] = json!({"text": related.message});
                    related_location
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let notifications: Vec<Value> = troubles
        .iter()
        .map(|trouble| {
            let mut notification = json!({"level": "error", "message": {"text": trouble.message}});
            if let Some(file) = &trouble.file {
                notification["locations"] =
                    json!([{"physicalLocation": {"artifactLocation": artifact_location(file)}}]);
            }
            notification
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": troubles.is_empty()});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "mailflow",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": rules::PROJECT_HOME,
            "rules": rules_json,
        }},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    });
    if let Some(base) = original_uri_base_ids() {
        run["originalUriBaseIds"] = base;
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

/// Escapes text for a workflow command's message as GitHub's runner reads it (`%`, CR and
/// LF percent-encoded), its other control characters written as visible escapes.
fn github_data(text: &str) -> String {
    visible_except(text, &['\r', '\n']).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes text for a workflow command's property value (`:` and `,` too).
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per finding of a file.
fn github(report: &FileReport) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let (start, end) = start_end(report, diagnostic.span);
        let command = match diagnostic.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "notice",
        };
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            github_property(&report.path),
            start.line,
            start.column,
            end.line,
            end.column,
            github_property(&format!("{} {}", diagnostic.code(), diagnostic.rule.name)),
            github_data(&diagnostic.message),
        ));
    }
    out
}

/// An `::error` for each problem that kept mailflow from doing all of its job.
fn github_troubles(troubles: &[Trouble]) -> String {
    let mut out = String::new();
    for trouble in troubles {
        let file = trouble.file.as_ref().map(|file| format!("file={},", github_property(file))).unwrap_or_default();
        out.push_str(&format!(
            "::error {file}title=mailflow could not check everything::{}\n",
            github_data(&trouble.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_percent_encoded_uris_relative_ones_from_the_source_root() {
        let relative = Some(SRCROOT);
        for (path, uri, base) in [
            ("Büro Regeln/ausgehend.mailflow", "B%C3%BCro%20Regeln/ausgehend.mailflow", relative),
            ("Büro Regeln\\ausgehend.mailflow", "B%C3%BCro%20Regeln/ausgehend.mailflow", relative),
            ("a #1 100%.mailflow.yaml", "a%20%231%20100%25.mailflow.yaml", relative),
            // A colon in the first segment would read as a scheme.
            ("rules:x.mailflow", "rules%3Ax.mailflow", relative),
            ("../tenants/x.mailflow", "../tenants/x.mailflow", relative),
            ("/srv/mail flow/x.mailflow", "file:///srv/mail%20flow/x.mailflow", None),
            (
                "C:\\Users\\Jürgen\\Büro Regeln\\ausgehend.mailflow",
                "file:///C:/Users/J%C3%BCrgen/B%C3%BCro%20Regeln/ausgehend.mailflow",
                None,
            ),
            ("c:/x.mailflow", "file:///c:/x.mailflow", None),
            ("\\\\server\\share\\x.mailflow", "file:////server/share/x.mailflow", None),
        ] {
            let location = artifact_location(path);
            assert_eq!(location["uri"], uri, "{path}");
            assert_eq!(location["uriBaseId"].as_str(), base, "{path}");
        }
    }
}

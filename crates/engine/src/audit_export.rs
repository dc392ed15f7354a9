//! Exports of the audit trail as CSV (for spreadsheets) or JSON Lines (for scripts), written
//! into the data dir's `exports/` folder. An export reads through its own read-only
//! connection in keyset pages, so a million-row export never holds the engine's writer.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::EngineError;
use crate::audit::{self, AuditFilter, AuditRecord};
use crate::clock::{now_ms, rfc3339};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

/// Where the export went and how many rows it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportSummary {
    pub path: String,
    #[ts(type = "number")]
    pub rows: u64,
    pub format: ExportFormat,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export to {path}: {source}. Check free disk space and permissions")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Rows per keyset page while exporting.
const PAGE: u32 = 5_000;

const CSV_HEADER: [&str; 22] = [
    "id",
    "created_at",
    "correlation_id",
    "portal_id",
    "contact_id",
    "trigger",
    "trigger_ref",
    "run_id",
    "outcome",
    "reason",
    "fields_written",
    "model",
    "prompt_version",
    "input_hash",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "fetch_ms",
    "llm_ms",
    "write_ms",
    "hubspot_correlation_id",
    "proposal",
];

/// One CSV cell (RFC 4180 quoting). Text that a spreadsheet would run as a formula gets a
/// leading apostrophe: contact data reaches `reason` and `proposal` through the LLM, and an
/// admin opening the file must not execute it.
fn cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn csv_row(r: &AuditRecord) -> String {
    let opt = |v: &Option<String>| cell(v.as_deref().unwrap_or_default());
    let cells = [
        r.id.to_string(),
        rfc3339(r.created_at),
        cell(&r.correlation_id),
        r.portal_id.to_string(),
        r.contact_id.to_string(),
        cell(&r.trigger),
        opt(&r.trigger_ref),
        r.run_id.map(|v| v.to_string()).unwrap_or_default(),
        r.outcome.map(|o| o.as_str()).unwrap_or_default().to_owned(),
        opt(&r.reason),
        cell(&r.fields_written.join(";")),
        opt(&r.model),
        r.prompt_version.map(|v| v.to_string()).unwrap_or_default(),
        opt(&r.input_hash),
        r.tokens_in.to_string(),
        r.tokens_out.to_string(),
        format!("{:.6}", r.cost_micros as f64 / 1_000_000.0),
        r.fetch_ms.to_string(),
        r.llm_ms.to_string(),
        r.write_ms.to_string(),
        opt(&r.hubspot_correlation_id),
        cell(
            &r.proposal
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
    ];
    cells.join(",")
}

/// A read-only connection to the database, for long reads beside the engine's writer.
pub fn open_reader(database: &Path) -> Result<Connection, EngineError> {
    let conn = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| EngineError::OpenDatabase {
        path: database.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Writes every audit row matching `filter` (newest first; `limit` and `before_id` are
/// ignored) to a new file in `dir`.
pub fn export(
    database: &Path,
    filter: &AuditFilter,
    format: ExportFormat,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    let conn = open_reader(database)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let stamp = rfc3339(now_ms()).replace([':', '-'], "").replace('T', "-");
    let name = format!(
        "steward-audit-{}.{}",
        stamp.trim_end_matches('Z'),
        format.extension()
    );
    let path = unique(dir.join(name));
    let file = std::fs::File::create(&path).map_err(io(&path))?;
    let mut out = BufWriter::new(file);
    if format == ExportFormat::Csv {
        writeln!(out, "{}", CSV_HEADER.join(",")).map_err(io(&path))?;
    }
    let mut page = AuditFilter {
        limit: Some(PAGE),
        before_id: None,
        ..filter.clone()
    };
    let mut rows = 0u64;
    loop {
        let batch = audit::list(&conn, &page)?;
        for r in &batch {
            let line = match format {
                ExportFormat::Csv => csv_row(r),
                ExportFormat::Jsonl => serde_json::to_string(r).unwrap_or_default(),
            };
            writeln!(out, "{line}").map_err(io(&path))?;
        }
        rows += batch.len() as u64;
        match batch.last() {
            Some(last) if batch.len() == PAGE as usize => page.before_id = Some(last.id),
            _ => break,
        }
    }
    out.flush().map_err(io(&path))?;
    Ok(ExportSummary {
        path: path.display().to_string(),
        rows,
        format,
    })
}

/// `path`, or `path` with `-2`, `-3` … before the extension when it exists already.
fn unique(path: PathBuf) -> PathBuf {
    if !path.exists() {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    (2..)
        .map(|n| path.with_file_name(format!("{stem}-{n}.{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::audit::Outcome;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn exports_every_matching_row_across_pages_in_both_formats() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("db");
        let store = Store::open(&db).unwrap();
        {
            let conn = store.conn();
            let tx = conn.unchecked_transaction().unwrap();
            for i in 0..(PAGE as u64 * 2 + 7) {
                let outcome = if i % 3 == 0 {
                    Outcome::Guarded
                } else {
                    Outcome::Written
                };
                audit::insert(
                    &tx,
                    &AuditRecord {
                        correlation_id: format!("c{i}"),
                        portal_id: 1,
                        contact_id: i,
                        trigger: "live".into(),
                        outcome: Some(outcome),
                        reason: Some("kept, for now".into()),
                        fields_written: vec!["ai_summary".into(), "ai_model".into()],
                        cost_micros: 1_500,
                        ..Default::default()
                    },
                    i as i64,
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let dir = tmp.path().join("exports");
        let all = export(&db, &AuditFilter::default(), ExportFormat::Csv, &dir).unwrap();
        assert_eq!(all.rows, PAGE as u64 * 2 + 7);
        let text = std::fs::read_to_string(&all.path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), CSV_HEADER.join(","));
        let first = lines.next().unwrap();
        assert!(
            first.starts_with(&format!("{},", all.rows)),
            "newest first: {first}"
        );
        assert!(
            first.contains(",\"kept, for now\",ai_summary;ai_model,"),
            "{first}"
        );
        assert!(first.contains(",0.001500,"), "{first}");
        assert_eq!(text.lines().count() as u64, all.rows + 1);

        let guarded = export(
            &db,
            &AuditFilter {
                outcome: Some(Outcome::Guarded),
                limit: Some(3),
                ..Default::default()
            },
            ExportFormat::Jsonl,
            &dir,
        )
        .unwrap();
        assert_eq!(
            guarded.rows,
            (PAGE as u64 * 2 + 7).div_ceil(3),
            "limit is ignored"
        );
        let text = std::fs::read_to_string(&guarded.path).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["outcome"], "guarded");
        }
        let again = export(&db, &AuditFilter::default(), ExportFormat::Csv, &dir).unwrap();
        assert_ne!(again.path, all.path, "an export never overwrites another");
    }
}

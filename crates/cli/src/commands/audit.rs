//! `steward audit [--since T] [--format table|jsonl|csv]`.

use anyhow::Context;
use steward_engine::audit::{self, AuditFilter, AuditRecord, Outcome};
use steward_engine::clock::now_ms;

use super::Env;
use crate::cli::{AuditArgs, Format};
use crate::output;

/// Parses `--since`: RFC 3339, or a span back from now (`90m`, `24h`, `7d`, `30s`).
pub fn parse_since(s: &str, now: i64) -> anyhow::Result<i64> {
    let s = s.trim();
    if let Some(unit) = s.chars().last().filter(|c| c.is_ascii_alphabetic())
        && let Ok(n) = s[..s.len() - 1].parse::<i64>()
    {
        let ms = match unit {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => anyhow::bail!("--since: unknown unit `{unit}` (use s, m, h or d)"),
        };
        return Ok(now - n * ms);
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .with_context(|| {
            format!("--since `{s}`: use RFC 3339 (2026-11-01T00:00:00Z) or a span such as 24h")
        })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn parse_outcome(s: &str) -> anyhow::Result<Outcome> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).with_context(|| {
        format!("--outcome `{s}`: use written, unchanged, guarded, invalid_output, failed, dry_run, approved, rejected or conflict")
    })
}

pub fn audit(env: &Env, args: AuditArgs) -> anyhow::Result<()> {
    let filter = AuditFilter {
        since_ms: args
            .since
            .as_deref()
            .map(|s| parse_since(s, now_ms()))
            .transpose()?,
        outcome: args.outcome.as_deref().map(parse_outcome).transpose()?,
        contact_id: args.contact,
        correlation_id: args.correlation_id,
        run_id: args.run,
        limit: Some(args.limit),
        ..Default::default()
    };
    let rows = audit::list(&env.store.conn(), &filter)?;
    if env.json {
        return output::json(&rows);
    }
    match args.format {
        Format::Jsonl => output::jsonl(&rows),
        Format::Csv => {
            println!(
                "id,time,correlation_id,contact_id,trigger,outcome,fields_written,tokens_in,tokens_out,cost_micros,reason"
            );
            for r in &rows {
                println!("{}", csv_row(r));
            }
            Ok(())
        }
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        output::time(r.created_at),
                        r.correlation_id.clone(),
                        r.contact_id.to_string(),
                        r.outcome.map(|o| o.as_str()).unwrap_or_default().to_owned(),
                        r.fields_written.join(" "),
                        r.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "time",
                    "correlation",
                    "contact",
                    "outcome",
                    "fields written",
                    "reason",
                ],
                &table,
            );
            Ok(())
        }
    }
}

fn csv_row(r: &AuditRecord) -> String {
    [
        r.id.to_string(),
        output::time(r.created_at),
        r.correlation_id.clone(),
        r.contact_id.to_string(),
        r.trigger.clone(),
        r.outcome.map(|o| o.as_str()).unwrap_or_default().to_owned(),
        r.fields_written.join(";"),
        r.tokens_in.to_string(),
        r.tokens_out.to_string(),
        r.cost_micros.to_string(),
        r.reason.clone().unwrap_or_default(),
    ]
    .iter()
    .map(|f| output::csv_field(f))
    .collect::<Vec<_>>()
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_spans_and_rfc3339_and_refuses_the_rest() {
        assert_eq!(
            parse_since("24h", 100_000_000).unwrap(),
            100_000_000 - 86_400_000
        );
        assert_eq!(
            parse_since("90m", 10_000_000).unwrap(),
            10_000_000 - 5_400_000
        );
        assert_eq!(
            parse_since("2023-09-02T12:26:00Z", 0).unwrap(),
            1_693_657_560_000
        );
        assert!(parse_since("yesterday", 0).is_err());
        assert!(
            parse_since("5w", 0)
                .unwrap_err()
                .to_string()
                .contains("unknown unit")
        );
    }

    #[test]
    fn outcomes_parse_by_their_names() {
        assert_eq!(parse_outcome("guarded").unwrap(), Outcome::Guarded);
        assert!(parse_outcome("nope").is_err());
    }
}

//! The simulator's write log read incrementally, and each probed edit paired with the
//! write-back that answered it.

use std::collections::HashMap;

use serde_json::Value;

/// Milliseconds since the epoch of a UTC ISO-8601 timestamp as HubSpot and the simulator
/// write them (`2026-11-26T10:11:12.345Z`; the fraction is optional).
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    if rest != "Z" && rest != "+00:00" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One probed event: a person's edit and the write-back that answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub contact: u64,
    pub edit_ms: i64,
    pub write_ms: i64,
}

impl Sample {
    pub fn latency_ms(&self) -> i64 {
        self.write_ms - self.edit_ms
    }
}

/// The simulator's write log, absorbed a snapshot at a time without counting a write twice.
#[derive(Debug, Default)]
pub struct WriteLog {
    /// Position (since the last stats reset) of the first write not yet absorbed.
    next: u64,
    /// Writes the simulator dropped before a snapshot showed them (its log is bounded).
    pub lost: u64,
    /// Contact → times a person (not an integration) wrote the probed property.
    edits: HashMap<u64, Vec<i64>>,
    /// Contact → times our integration wrote an `ai_*` property.
    ai_writes: HashMap<u64, Vec<i64>>,
}

impl WriteLog {
    /// Takes the writes of a `GET /_sim/stats` answer that earlier snapshots did not show.
    pub fn absorb(&mut self, stats: &Value, probe_property: &str) {
        let dropped = stats["writesDropped"].as_u64().unwrap_or(0);
        let writes = stats["writes"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if dropped > self.next {
            self.lost += dropped - self.next;
            self.next = dropped;
        }
        let skip = (self.next - dropped) as usize;
        for w in writes.iter().skip(skip) {
            let contact = w["objectId"]
                .as_u64()
                .or_else(|| w["objectId"].as_str().and_then(|s| s.parse().ok()));
            let at = w["timestamp"].as_str().and_then(parse_iso_ms);
            let (Some(contact), Some(at), Some(property)) = (contact, at, w["property"].as_str())
            else {
                continue;
            };
            let integration = w["sourceType"] == "INTEGRATION";
            if integration && property.starts_with("ai_") {
                self.ai_writes.entry(contact).or_default().push(at);
            } else if !integration && property == probe_property {
                self.edits.entry(contact).or_default().push(at);
            }
        }
        self.next = dropped + writes.len() as u64;
    }

    /// Writes absorbed so far (the position in the simulator's log).
    pub fn seen(&self) -> u64 {
        self.next
    }

    /// Every edited contact's first edit paired with our first `ai_*` write at or after it,
    /// and the contacts whose edit has no write-back (yet).
    pub fn samples(&self) -> (Vec<Sample>, Vec<u64>) {
        let mut samples = Vec::new();
        let mut missing = Vec::new();
        for (&contact, edits) in &self.edits {
            let Some(&edit_ms) = edits.iter().min() else {
                continue;
            };
            let write = self
                .ai_writes
                .get(&contact)
                .and_then(|w| w.iter().filter(|&&t| t >= edit_ms).min());
            match write {
                Some(&write_ms) => samples.push(Sample {
                    contact,
                    edit_ms,
                    write_ms,
                }),
                None => missing.push(contact),
            }
        }
        samples.sort_by_key(|s| (s.edit_ms, s.contact));
        missing.sort_unstable();
        (samples, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_hubspot_timestamps() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso_ms("2023-09-02T12:26:00.123Z"),
            Some(1_693_657_560_123)
        );
        assert_eq!(
            parse_iso_ms("2024-02-29T23:59:59.5Z"),
            Some(1_709_251_199_500)
        );
        assert_eq!(
            parse_iso_ms("2023-09-02T12:26:00+00:00"),
            Some(1_693_657_560_000)
        );
        for bad in [
            "",
            "2023-09-02",
            "2023-13-02T12:26:00Z",
            "2023-09-02T12:26:00",
            "2023-09-02T12:26:00.Z",
            "2023-09-02 12:26:00Z",
            "2023-09-02T12:26:00+02:00",
        ] {
            assert_eq!(parse_iso_ms(bad), None, "{bad}");
        }
    }

    fn write(i: u64, contact: u64, property: &str, source: &str, at: &str) -> Value {
        json!({"objectId": contact.to_string(), "property": property, "value": format!("v{i}"),
               "sourceType": source, "timestamp": at})
    }

    #[test]
    fn pairs_edits_with_the_next_write_back_across_snapshots() {
        let mut log = WriteLog::default();
        let w = [
            // An earlier write of ours (before the edit) must not count.
            write(
                0,
                7,
                "ai_summary",
                "INTEGRATION",
                "2026-01-01T00:00:00.000Z",
            ),
            write(1, 7, "jobtitle", "CRM_UI", "2026-01-01T00:00:01.000Z"),
            write(2, 8, "jobtitle", "CRM_UI", "2026-01-01T00:00:01.010Z"),
            // Our own write of an input (a restore) is not a write-back.
            write(3, 8, "jobtitle", "INTEGRATION", "2026-01-01T00:00:01.020Z"),
            write(
                4,
                7,
                "ai_input_hash",
                "INTEGRATION",
                "2026-01-01T00:00:01.250Z",
            ),
            write(
                5,
                7,
                "ai_summary",
                "INTEGRATION",
                "2026-01-01T00:00:01.251Z",
            ),
        ];
        log.absorb(&json!({"writesDropped": 0, "writes": w[..3]}), "jobtitle");
        // The next snapshot repeats what was seen; the oldest two already fell off.
        log.absorb(&json!({"writesDropped": 2, "writes": w[2..]}), "jobtitle");
        assert_eq!(log.seen(), 6);
        assert_eq!(log.lost, 0);
        let (samples, missing) = log.samples();
        assert_eq!(
            samples,
            vec![Sample {
                contact: 7,
                edit_ms: parse_iso_ms("2026-01-01T00:00:01.000Z").unwrap(),
                write_ms: parse_iso_ms("2026-01-01T00:00:01.250Z").unwrap(),
            }]
        );
        assert_eq!(samples[0].latency_ms(), 250);
        assert_eq!(missing, vec![8]);
    }

    #[test]
    fn counts_writes_the_simulator_dropped_unseen() {
        let mut log = WriteLog::default();
        let w = write(9, 1, "jobtitle", "CRM_UI", "2026-01-01T00:00:00Z");
        log.absorb(&json!({"writesDropped": 5, "writes": [w]}), "jobtitle");
        assert_eq!((log.lost, log.seen()), (5, 6));
    }
}

//! [`RateLimit`]: a request budget, parsed from `"110/10s"`-style text (CLI flags, settings).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A request budget: `max` requests per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per interval.
    pub max: u32,
    /// The interval.
    pub per: Duration,
}

impl RateLimit {
    /// HubSpot's limit for OAuth apps: 110 requests / 10 s per portal.
    pub const HUBSPOT_OAUTH: RateLimit = RateLimit {
        max: 110,
        per: Duration::from_secs(10),
    };
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::HUBSPOT_OAUTH
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.per.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}/{}s", self.max, ms / 1000)
        } else {
            write!(f, "{}/{}ms", self.max, ms)
        }
    }
}

/// `"110/10s"`, `"20/1s"`, `"5/500ms"`, `"250000/1d"` (units `ms`, `s`, `m`, `h`, `d`; a
/// missing count means 1, as in `"10/s"`).
impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("rate limit {s:?} is not like \"110/10s\" (units ms, s, m, h, d)");
        let (max, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let split = window
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(window.len());
        let (count, unit) = window.split_at(split);
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| bad())?
        };
        let unit_ms: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        let per = Duration::from_millis(count.checked_mul(unit_ms).ok_or_else(bad)?);
        if max == 0 || per.is_zero() {
            return Err(bad());
        }
        Ok(RateLimit { max, per })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rate_limits() {
        assert_eq!(
            "110/10s".parse::<RateLimit>().unwrap(),
            RateLimit::HUBSPOT_OAUTH
        );
        assert_eq!(
            "5/500ms".parse::<RateLimit>().unwrap(),
            RateLimit {
                max: 5,
                per: Duration::from_millis(500)
            }
        );
        assert!("0/1s".parse::<RateLimit>().is_err());
        assert!("10".parse::<RateLimit>().is_err());
        assert!("10/1w".parse::<RateLimit>().is_err());
        assert_eq!(
            "10/s".parse::<RateLimit>().unwrap(),
            RateLimit {
                max: 10,
                per: Duration::from_secs(1)
            }
        );
        assert_eq!(
            "1/2m".parse::<RateLimit>().unwrap().per,
            Duration::from_secs(120)
        );
        assert_eq!(RateLimit::HUBSPOT_OAUTH.to_string(), "110/10s");
    }
}

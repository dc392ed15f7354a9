//! `GET/POST /_sim/faults`: read or change faults and limits mid-run.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::support::HsJson;
use crate::config::{LlmMode, RateLimit};
use crate::error::{ApiError, ApiResult};
use crate::state::{Faults, Sim};
use crate::util::write;

fn faults_json(f: &Faults) -> Value {
    json!({
        "fault5xx": f.fault_5xx,
        "faultLatencyMs": f.fault_latency.as_millis() as u64,
        "rateLimit": f.rate_limit.map(|r| r.to_string()),
        "dailyLimit": f.daily_limit,
        "llm": {
            "latencyMs": f.llm_latency.as_millis() as u64,
            "errorRate": f.llm.error_rate,
            "malformedRate": f.llm.malformed_rate,
            "mode": f.llm.mode,
        },
    })
}

fn rate(v: &Value, what: &str) -> ApiResult<f64> {
    v.as_f64()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| ApiError::validation(format!("{what} must be a number between 0 and 1")))
}

fn millis(v: &Value, what: &str) -> ApiResult<Duration> {
    v.as_u64().map(Duration::from_millis).ok_or_else(|| {
        ApiError::validation(format!("{what} must be a whole number of milliseconds"))
    })
}

/// `GET /_sim/faults`.
pub(crate) async fn get(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(faults_json(&sim.faults()))
}

/// Applies the keys present in `body` to a copy of the faults; nothing changes on error.
fn apply(mut f: Faults, body: &Map<String, Value>) -> ApiResult<Faults> {
    if let Some(v) = body.get("fault5xx") {
        f.fault_5xx = rate(v, "fault5xx")?;
    }
    if let Some(v) = body.get("faultLatencyMs") {
        f.fault_latency = millis(v, "faultLatencyMs")?;
    }
    if let Some(v) = body.get("rateLimit") {
        f.rate_limit = match v {
            Value::Null => None,
            Value::String(s) if s == "off" => None,
            Value::String(s) => Some(
                s.parse::<RateLimit>()
                    .map_err(|e| ApiError::validation(e.to_string()))?,
            ),
            _ => {
                return Err(ApiError::validation(
                    "rateLimit must be like \"110/10s\", \"off\" or null",
                ));
            }
        };
    }
    if let Some(v) = body.get("dailyLimit") {
        f.daily_limit = match v {
            Value::Null => None,
            other => Some(
                other
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        ApiError::validation("dailyLimit must be a whole number or null")
                    })?,
            ),
        };
    }
    if let Some(llm) = body.get("llm") {
        let llm = llm
            .as_object()
            .ok_or_else(|| ApiError::validation("llm must be an object"))?;
        if let Some(v) = llm.get("latencyMs") {
            f.llm_latency = millis(v, "llm.latencyMs")?;
        }
        if let Some(v) = llm.get("errorRate") {
            f.llm.error_rate = rate(v, "llm.errorRate")?;
        }
        if let Some(v) = llm.get("malformedRate") {
            f.llm.malformed_rate = rate(v, "llm.malformedRate")?;
        }
        if let Some(v) = llm.get("mode") {
            f.llm.mode = v
                .as_str()
                .ok_or_else(|| ApiError::validation("llm.mode must be a string"))?
                .parse::<LlmMode>()
                .map_err(|e| ApiError::validation(e.to_string()))?;
        }
    }
    Ok(f)
}

/// `POST /_sim/faults {fault5xx?, faultLatencyMs?, rateLimit?, dailyLimit?, llm?}`.
pub(crate) async fn set(
    State(sim): State<Arc<Sim>>,
    HsJson(body): HsJson<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let updated = apply(sim.faults(), &body)?;
    let json = faults_json(&updated);
    *write(&sim.faults) = updated;
    Ok(Json(json))
}

//! The Settings screen's read and update: every admin choice in one view (LLM, key source,
//! prompt and its version, input properties, per-field policy, budget and spend, relay,
//! connection) and one validated update. Editing the prompt's text bumps its version, which
//! changes every input hash, so contacts are re-enriched with the new prompt as they change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use steward_llm::PromptTemplate;
use ts_rs::TS;

use crate::connection::{Connection, ConnectionInfo};
use crate::fields::{self, FieldPolicy};
/// The LLM part of an update: a preset and/or values ([`llm_setup::update`] validates it).
pub use crate::llm_settings::LlmUpdate;
use crate::llm_settings::{self, LlmPresetInfo, LlmSettings};
use crate::llm_setup::{self, KeySource, LlmSetupError};
use crate::settings::{self, Settings};
use crate::{EngineError, Store, audit, clock};

/// Longest prompt instructions accepted.
pub const PROMPT_MAX_CHARS: usize = 8_000;
/// Most input properties (each is sent to the LLM for every contact).
pub const INPUT_PROPERTIES_MAX: usize = 50;

/// One content field and its policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldPolicyRow {
    pub property: String,
    pub label: String,
    pub description: String,
    pub policy: FieldPolicy,
}

/// Everything the Settings screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SettingsView {
    pub llm: LlmSettings,
    pub llm_key: KeySource,
    /// What "Start from a preset" offers.
    pub llm_presets: Vec<LlmPresetInfo>,
    #[ts(type = "number")]
    pub prompt_version: u32,
    pub prompt_instructions: String,
    /// Whether the instructions are Steward's built-in ones.
    pub prompt_is_default: bool,
    pub default_instructions: String,
    pub input_properties: Vec<String>,
    pub field_policies: Vec<FieldPolicyRow>,
    /// `None`: no cap.
    #[ts(type = "number | null")]
    pub monthly_budget_micros: Option<u64>,
    /// LLM spend since the first of this month (UTC).
    #[ts(type = "number")]
    pub spent_this_month_micros: u64,
    #[ts(type = "number")]
    pub max_activities: u32,
    pub relay_url: Option<String>,
    pub hubspot_api_base: String,
    pub connection: Option<ConnectionInfo>,
}

/// A change to some settings; only the parts present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export, optional_fields)]
pub struct SettingsUpdate {
    pub llm: Option<LlmUpdate>,
    /// New prompt instructions (bumps the version when they differ).
    pub prompt_instructions: Option<String>,
    pub input_properties: Option<Vec<String>>,
    /// Policies by field name; fields left out keep theirs.
    pub field_policies: Option<BTreeMap<String, FieldPolicy>>,
    /// `Some(None)` removes the cap. Send `{"budget": {"micros": null}}`.
    pub budget: Option<BudgetUpdate>,
    #[ts(type = "number", optional)]
    pub max_activities: Option<u32>,
    /// An empty string clears it.
    pub relay_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct BudgetUpdate {
    #[ts(type = "number | null")]
    pub micros: Option<u64>,
}

/// Why an update was refused; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Llm(#[from] LlmSetupError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

fn invalid(msg: impl Into<String>) -> SettingsError {
    SettingsError::Invalid(msg.into())
}

/// Midnight UTC on the first of the month of `now_ms`.
pub fn month_start_ms(now_ms: i64) -> i64 {
    time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.date().replace_day(1).ok())
        .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
        .unwrap_or(0)
}

/// The current settings.
pub fn view(store: &Store) -> Result<SettingsView, EngineError> {
    let settings = &Settings::new(store.clone());
    let prompt = settings.get::<settings::Prompt>()?;
    let policies = settings.get::<settings::FieldPolicies>()?;
    let spent = {
        let conn = store.conn();
        audit::cost_since(&conn, month_start_ms(clock::now_ms()))?
    };
    Ok(SettingsView {
        llm: settings.get::<settings::Llm>()?,
        // A keyring that cannot be read shows as "no key"; saving a key reports the problem.
        llm_key: llm_setup::key_source().unwrap_or(KeySource::None),
        llm_presets: llm_settings::presets(),
        prompt_version: prompt.version,
        prompt_is_default: prompt.instructions == steward_llm::DEFAULT_INSTRUCTIONS,
        prompt_instructions: prompt.instructions,
        default_instructions: steward_llm::DEFAULT_INSTRUCTIONS.to_owned(),
        input_properties: settings.get::<settings::InputProperties>()?,
        field_policies: fields::content_fields()
            .map(|f| FieldPolicyRow {
                property: f.name.to_owned(),
                label: f.label.to_owned(),
                description: f.description.to_owned(),
                policy: policies.get(f.name).copied().unwrap_or_default(),
            })
            .collect(),
        monthly_budget_micros: settings.get::<settings::MonthlyBudgetMicros>()?,
        spent_this_month_micros: spent,
        max_activities: u32::try_from(settings.get::<settings::MaxActivities>()?)
            .unwrap_or(u32::MAX),
        relay_url: settings.get::<settings::RelayUrl>()?,
        hubspot_api_base: settings.get::<settings::HubspotApiBase>()?,
        connection: settings.get::<Connection>()?,
    })
}

/// The prompt after an edit: the same template when the text is unchanged, else the new text
/// under the next version.
pub fn next_prompt(
    current: &PromptTemplate,
    instructions: &str,
) -> Result<PromptTemplate, SettingsError> {
    let text = instructions.trim();
    if text.is_empty() {
        return Err(invalid(
            "the prompt instructions are empty: write what the AI should produce, or reset to the default",
        ));
    }
    if text.chars().count() > PROMPT_MAX_CHARS {
        return Err(invalid(format!(
            "the prompt instructions are longer than {PROMPT_MAX_CHARS} characters: shorten them"
        )));
    }
    if text == current.instructions.trim() {
        return Ok(current.clone());
    }
    Ok(PromptTemplate {
        version: current.version.max(PromptTemplate::DEFAULT_VERSION) + 1,
        instructions: text.to_owned(),
    })
}

/// Cleans and checks the input properties: HubSpot internal names, no duplicates, never
/// Steward's own `ai_*` fields (that would feed the AI's output back as its input).
pub fn clean_input_properties(names: &[String]) -> Result<Vec<String>, SettingsError> {
    let mut out: Vec<String> = Vec::new();
    for raw in names {
        let name = raw.trim().to_lowercase();
        if name.is_empty() || out.contains(&name) {
            continue;
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(invalid(format!(
                "`{name}` is not a HubSpot property name (internal names use a–z, 0–9 and _)"
            )));
        }
        if fields::is_ai_field(&name) {
            return Err(invalid(format!(
                "`{name}` is one of Steward's own fields; the AI cannot read its own output as input"
            )));
        }
        out.push(name);
    }
    if out.is_empty() {
        return Err(invalid(
            "choose at least one input property (for example email, company, jobtitle)",
        ));
    }
    if out.len() > INPUT_PROPERTIES_MAX {
        return Err(invalid(format!(
            "at most {INPUT_PROPERTIES_MAX} input properties"
        )));
    }
    Ok(out)
}

/// What an update changed, so the shell knows whether to restart the engine.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SettingsSaved {
    pub view: SettingsView,
    /// Names of the parts that changed (`llm`, `prompt`, `input_properties` …).
    pub changed: Vec<String>,
}

/// Validates every part first, then stores them; a refused part stores nothing.
pub fn update(store: &Store, u: &SettingsUpdate) -> Result<SettingsSaved, SettingsError> {
    let settings = &Settings::new(store.clone());
    let prompt = match &u.prompt_instructions {
        Some(text) => Some(next_prompt(&settings.get::<settings::Prompt>()?, text)?),
        None => None,
    };
    let inputs = u
        .input_properties
        .as_deref()
        .map(clean_input_properties)
        .transpose()?;
    if let Some(p) = &u.field_policies
        && let Some(bad) = p
            .keys()
            .find(|k| fields::content_fields().all(|f| f.name != k.as_str()))
    {
        return Err(invalid(format!("`{bad}` is not a field the AI fills")));
    }
    if let Some(n) = u.max_activities
        && n > 50
    {
        return Err(invalid(
            "the AI can read at most 50 recent activities per contact",
        ));
    }
    let relay = match u.relay_url.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(url) => match url::Url::parse(url) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => {
                Some(Some(url.trim_end_matches('/').to_owned()))
            }
            _ => {
                return Err(invalid(format!(
                    "the relay URL `{url}` is not an http(s) URL"
                )));
            }
        },
    };

    let mut changed = Vec::new();
    // The LLM is validated as it is stored, first: when it is refused nothing is stored yet.
    if let Some(l) = &u.llm {
        let before = settings.get::<settings::Llm>()?;
        if llm_setup::update(settings, l)? != before {
            changed.push("llm".to_owned());
        }
    }
    if let Some(p) = prompt
        && p != settings.get::<settings::Prompt>()?
    {
        settings.set::<settings::Prompt>(&p)?;
        changed.push("prompt".to_owned());
    }
    if let Some(i) = inputs
        && i != settings.get::<settings::InputProperties>()?
    {
        settings.set::<settings::InputProperties>(&i)?;
        changed.push("input_properties".to_owned());
    }
    if let Some(p) = &u.field_policies {
        let mut all = settings.get::<settings::FieldPolicies>()?;
        let before = all.clone();
        for (k, v) in p {
            all.insert(k.clone(), *v);
        }
        if all != before {
            settings.set::<settings::FieldPolicies>(&all)?;
            changed.push("field_policies".to_owned());
        }
    }
    if let Some(b) = u.budget
        && b.micros != settings.get::<settings::MonthlyBudgetMicros>()?
    {
        settings.set::<settings::MonthlyBudgetMicros>(&b.micros)?;
        changed.push("budget".to_owned());
    }
    if let Some(n) = u.max_activities
        && n as usize != settings.get::<settings::MaxActivities>()?
    {
        settings.set::<settings::MaxActivities>(&(n as usize))?;
        changed.push("max_activities".to_owned());
    }
    if let Some(r) = relay
        && r != settings.get::<settings::RelayUrl>()?
    {
        settings.set::<settings::RelayUrl>(&r)?;
        changed.push("relay_url".to_owned());
    }
    Ok(SettingsSaved {
        view: view(store)?,
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn settings() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        (tmp, store)
    }

    #[test]
    fn editing_the_prompt_bumps_its_version_once_per_change() {
        let (_tmp, s) = settings();
        let v = view(&s).unwrap();
        assert_eq!(v.prompt_version, 1);
        assert!(v.prompt_is_default);
        let saved = update(
            &s,
            &SettingsUpdate {
                prompt_instructions: Some("Summarise in one sentence.".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(saved.changed, ["prompt"]);
        assert_eq!(saved.view.prompt_version, 2);
        assert!(!saved.view.prompt_is_default);
        let same = update(
            &s,
            &SettingsUpdate {
                prompt_instructions: Some("  Summarise in one sentence.\n".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(same.changed.is_empty(), "unchanged text keeps the version");
        assert_eq!(same.view.prompt_version, 2);
        let reset = update(
            &s,
            &SettingsUpdate {
                prompt_instructions: Some(steward_llm::DEFAULT_INSTRUCTIONS.into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(reset.view.prompt_version, 3, "going back is a change too");
        assert!(reset.view.prompt_is_default);
        assert!(matches!(
            update(
                &s,
                &SettingsUpdate {
                    prompt_instructions: Some(" ".into()),
                    ..Default::default()
                }
            ),
            Err(SettingsError::Invalid(_))
        ));
    }

    #[test]
    fn input_properties_are_cleaned_and_ai_fields_refused() {
        assert_eq!(
            clean_input_properties(&["Email".into(), "company".into(), "email".into(), " ".into()])
                .unwrap(),
            ["email", "company"]
        );
        assert!(clean_input_properties(&["ai_summary".into()]).is_err());
        assert!(clean_input_properties(&["first name".into()]).is_err());
        assert!(clean_input_properties(&[]).is_err());
    }

    #[test]
    fn a_refused_part_stores_nothing() {
        let (_tmp, s) = settings();
        let err = update(
            &s,
            &SettingsUpdate {
                prompt_instructions: Some("New text".into()),
                relay_url: Some("ftp://relay".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("relay URL"), "{err}");
        assert_eq!(view(&s).unwrap().prompt_version, 1);
    }

    #[test]
    fn policies_budget_llm_and_relay_round_trip() {
        let (_tmp, s) = settings();
        let saved = update(
            &s,
            &SettingsUpdate {
                llm: Some(LlmUpdate {
                    provider: Some(steward_llm::Provider::OpenAiCompatible),
                    base_url: Some("http://127.0.0.1:11434/v1/".into()),
                    model: Some("llama3.1".into()),
                    max_concurrency: Some(2),
                    timeout_secs: Some(120),
                    input_price_per_million_micros: Some(0),
                    output_price_per_million_micros: Some(0),
                    preset: None,
                }),
                field_policies: Some(BTreeMap::from([(
                    "ai_summary".into(),
                    FieldPolicy::FillEmpty,
                )])),
                budget: Some(BudgetUpdate { micros: None }),
                max_activities: Some(8),
                relay_url: Some("https://relay.example/".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let v = saved.view;
        assert_eq!(v.llm.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(v.llm.max_concurrency, 2);
        assert_eq!(v.field_policies[0].policy, FieldPolicy::FillEmpty);
        assert_eq!(v.field_policies[1].policy, FieldPolicy::AiOwned);
        assert_eq!(v.monthly_budget_micros, None);
        assert_eq!(v.max_activities, 8);
        assert_eq!(v.relay_url.as_deref(), Some("https://relay.example"));
        assert_eq!(
            saved.changed,
            [
                "llm",
                "field_policies",
                "budget",
                "max_activities",
                "relay_url"
            ]
        );
        let bad = update(
            &s,
            &SettingsUpdate {
                field_policies: Some(BTreeMap::from([("ai_model".into(), FieldPolicy::Never)])),
                ..Default::default()
            },
        );
        assert!(bad.is_err(), "bookkeeping fields have no policy");
    }

    #[test]
    fn a_preset_fills_the_llm_and_an_unknown_one_stores_nothing() {
        let (_tmp, s) = settings();
        let llm = |id: &str| LlmUpdate {
            preset: Some(id.into()),
            ..Default::default()
        };
        let saved = update(
            &s,
            &SettingsUpdate {
                llm: Some(llm("llama.cpp")),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(saved.changed, ["llm"]);
        assert_eq!(saved.view.llm.preset.as_deref(), Some("llama_cpp"));
        assert_eq!(saved.view.llm.base_url, "http://localhost:8080/v1");
        assert_eq!(saved.view.llm.model, "local-model");
        assert_eq!(saved.view.llm_presets, llm_settings::presets());
        let err = update(
            &s,
            &SettingsUpdate {
                llm: Some(llm("gemini")),
                prompt_instructions: Some("New text".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, SettingsError::Llm(LlmSetupError::UnknownPreset(_))),
            "{err}"
        );
        assert!(err.to_string().contains("ollama, lm_studio"), "{err}");
        let v = view(&s).unwrap();
        assert_eq!(v.prompt_version, 1);
        assert_eq!(v.llm, saved.view.llm);
    }

    #[test]
    fn month_start_is_the_first_at_midnight_utc() {
        // 2024-03-10T12:00:00Z -> 2024-03-01T00:00:00Z
        assert_eq!(month_start_ms(1_710_072_000_000), 1_709_251_200_000);
    }
}

//! Typed settings. Each setting is a zero-sized type naming its key, value type and default, so a
//! typo in a key or a wrong value type is a compile error, not a silent miss at run time.
//! Values are stored as JSON. Secrets never go here: they live in the OS keyring.

use rusqlite::{OptionalExtension, params};
use serde::{Serialize, de::DeserializeOwned};

use crate::{EngineError, Store};

/// One setting: its key in the `settings` table, its type, and the value used when unset.
pub trait Setting {
    const KEY: &'static str;
    type Value: Serialize + DeserializeOwned;
    fn default_value() -> Self::Value;
}

/// Reads and writes typed settings.
#[derive(Clone, Debug)]
pub struct Settings {
    store: Store,
}

impl Settings {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The stored value, or the setting's default when it was never set.
    pub fn get<S: Setting>(&self) -> Result<S::Value, EngineError> {
        let raw: Option<String> = self
            .store
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![S::KEY],
                |row| row.get(0),
            )
            .optional()?;
        match raw {
            None => Ok(S::default_value()),
            Some(json) => serde_json::from_str(&json).map_err(|source| EngineError::BadSetting {
                key: S::KEY,
                source,
            }),
        }
    }

    pub fn set<S: Setting>(&self, value: &S::Value) -> Result<(), EngineError> {
        let json = serde_json::to_string(value).map_err(|source| EngineError::BadSetting {
            key: S::KEY,
            source,
        })?;
        self.store.conn().execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, unixepoch('subsec') * 1000)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![S::KEY, json],
        )?;
        Ok(())
    }

    /// Forgets the stored value so the default applies again.
    pub fn reset<S: Setting>(&self) -> Result<(), EngineError> {
        self.store
            .conn()
            .execute("DELETE FROM settings WHERE key = ?1", params![S::KEY])?;
        Ok(())
    }
}

/// Declares a setting type with its key, value type and default.
macro_rules! setting {
    ($(#[$doc:meta])* $name:ident, $key:literal, $ty:ty, $default:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl Setting for $name {
            const KEY: &'static str = $key;
            type Value = $ty;
            fn default_value() -> $ty {
                $default
            }
        }
    };
}

setting!(
    /// The relay this desktop polls for webhook events and uses as its OAuth broker.
    RelayUrl, "relay_url", Option<String>, None
);
setting!(
    /// HubSpot's API base; tests and the sandbox point it at the simulator.
    HubspotApiBase, "hubspot_api_base", String, "https://api.hubapi.com".to_owned()
);

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> (tempfile::TempDir, Settings) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db.sqlite3")).unwrap();
        (tmp, Settings::new(store))
    }

    #[test]
    fn unset_settings_read_as_their_default() {
        let (_tmp, settings) = settings();
        assert_eq!(settings.get::<RelayUrl>().unwrap(), None);
        assert_eq!(
            settings.get::<HubspotApiBase>().unwrap(),
            "https://api.hubapi.com"
        );
    }

    #[test]
    fn set_then_get_round_trips_and_reset_restores_the_default() {
        let (_tmp, settings) = settings();
        settings
            .set::<RelayUrl>(&Some("https://relay.example".into()))
            .unwrap();
        assert_eq!(
            settings.get::<RelayUrl>().unwrap().as_deref(),
            Some("https://relay.example")
        );
        settings.set::<RelayUrl>(&None).unwrap();
        assert_eq!(settings.get::<RelayUrl>().unwrap(), None);
        settings.reset::<RelayUrl>().unwrap();
        assert_eq!(settings.get::<RelayUrl>().unwrap(), None);
    }

    #[test]
    fn a_corrupt_value_is_reported_with_its_key_and_kept() {
        let (_tmp, settings) = settings();
        settings
            .store
            .conn()
            .execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('hubspot_api_base', '42', 0)",
                [],
            )
            .unwrap();
        let err = settings.get::<HubspotApiBase>().unwrap_err();
        assert!(err.to_string().contains("hubspot_api_base"), "{err}");
        let raw: String = settings
            .store
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key='hubspot_api_base'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            raw, "42",
            "the bad value is left for the admin to fix, not dropped"
        );
    }
}

/// The contact properties the LLM reads (and whose change re-enriches a contact).
pub const DEFAULT_INPUT_PROPERTIES: [&str; 10] = [
    "email",
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hs_lead_status",
    "industry",
    "city",
    "country",
];

setting!(
    /// Input properties sent to the LLM and hashed.
    InputProperties, "input_properties", Vec<String>,
    DEFAULT_INPUT_PROPERTIES.iter().map(|s| (*s).to_owned()).collect()
);
setting!(
    /// Per-field write policy; fields not listed use `ai_owned`.
    FieldPolicies, "field_policies",
    std::collections::BTreeMap<String, crate::fields::FieldPolicy>, Default::default()
);
setting!(
    /// The prompt template and its version (editing it bumps the version).
    Prompt, "prompt", steward_llm::PromptTemplate, Default::default()
);
setting!(
    /// Which LLM to call and what it costs.
    Llm, "llm", crate::llm_settings::LlmSettings, Default::default()
);
setting!(
    /// Monthly LLM spend cap in micro-dollars; reaching it pauses enrichment. `None`: no cap.
    MonthlyBudgetMicros, "monthly_budget_micros", Option<u64>, Some(50_000_000)
);
setting!(
    /// How many recent engagements the LLM sees per contact.
    MaxActivities, "max_activities", usize, 5
);

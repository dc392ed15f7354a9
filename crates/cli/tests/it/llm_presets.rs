//! `--llm-preset`: the LLM settings start from a preset, other `--llm-*` flags override it, and
//! a refused preset changes nothing.

use std::path::Path;
use std::process::{Command, Output};

use steward_engine::llm_settings::LlmSettings;
use steward_engine::{DataDir, Settings, Store, settings};

use crate::ok;

/// `steward --data-dir DIR ARGS… audit`: a command that needs no connection, so only the
/// setting flags matter. No LLM key unless the test sets one.
fn steward(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .args(["audit", "--format", "jsonl"])
        .env_remove("STEWARD_LLM_API_KEY")
        .env("RUST_LOG", "warn");
    cmd
}

fn stored(dir: &Path) -> (LlmSettings, String) {
    let store = Store::open(DataDir::at(dir).unwrap().database()).unwrap();
    let s = Settings::new(store);
    (
        s.get::<settings::Llm>().unwrap(),
        s.get::<settings::HubspotApiBase>().unwrap(),
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_local_preset_is_stored_without_a_key_and_an_unknown_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    ok(steward(dir.path(), &["--llm-preset", "ollama"])
        .output()
        .unwrap());
    let (llm, hubspot) = stored(dir.path());
    assert_eq!(llm.base_url, "http://localhost:11434/v1");
    assert_eq!(llm.model, "llama3.1:8b");
    assert_eq!((llm.timeout_secs, llm.max_concurrency), (180, 2));
    assert_eq!(llm.input_price_per_million_micros, 0);
    assert_eq!(llm.preset.as_deref(), Some("ollama"));

    let out = steward(
        dir.path(),
        &[
            "--llm-preset",
            "gemini",
            "--hubspot-base",
            "http://127.0.0.1:9/elsewhere",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success(), "an unknown preset must fail");
    let err = stderr(&out);
    assert!(err.contains("there is no LLM preset `gemini`"), "{err}");
    assert!(
        err.contains("openai, anthropic, ollama, lm_studio, llama_cpp"),
        "{err}"
    );
    assert_eq!(
        stored(dir.path()),
        (llm, hubspot),
        "no setting of the refused call was stored"
    );
}

#[test]
fn flags_given_with_a_preset_override_it() {
    let dir = tempfile::tempdir().unwrap();
    ok(steward(
        dir.path(),
        &[
            "--llm-preset",
            "anthropic",
            "--llm-model",
            "claude-sonnet-4-5",
        ],
    )
    .env("STEWARD_LLM_API_KEY", "sk-ant-cli-test")
    .output()
    .unwrap());
    let (llm, _) = stored(dir.path());
    assert_eq!(llm.provider, steward_llm::Provider::Anthropic);
    assert_eq!(llm.base_url, "https://api.anthropic.com/v1");
    assert_eq!(llm.model, "claude-sonnet-4-5");
    assert_eq!(llm.output_price_per_million_micros, 5_000_000);
    assert_eq!(llm.preset.as_deref(), Some("anthropic"));

    // A base URL of another server keeps the preset's values but not its name.
    ok(steward(
        dir.path(),
        &[
            "--llm-preset",
            "lm-studio",
            "--llm-base",
            "http://gpu-box.local:1234/v1/",
        ],
    )
    .output()
    .unwrap());
    let (llm, _) = stored(dir.path());
    assert_eq!(llm.provider, steward_llm::Provider::OpenAiCompatible);
    assert_eq!(llm.base_url, "http://gpu-box.local:1234/v1");
    assert_eq!(llm.model, "qwen2.5-7b-instruct");
    assert_eq!(llm.timeout_secs, 180);
    assert_eq!(llm.preset, None);
}

#[test]
fn help_lists_the_preset_ids() {
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("--help")
        .output()
        .unwrap();
    let help = ok(out);
    assert!(
        help.contains("--llm-preset <ID>")
            && help.contains("openai, anthropic, ollama, lm_studio, llama_cpp"),
        "{help}"
    );
}
